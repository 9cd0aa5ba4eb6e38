package awssim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"sync"
)

// maxCachedGraphs bounds the graph cache; past it the cache starts over,
// which keeps memory flat whatever widgets clients send.
const maxCachedGraphs = 256

// graphCache keeps rendered PNGs by widget definition: a widget always
// renders the same, and drawing and PNG-encoding one is most of the cost
// of a describe-alarms with graphs. Safe for concurrent use; callers must
// not modify the bytes returned.
type graphCache struct {
	mu   sync.Mutex
	pngs map[string][]byte
}

func (c *graphCache) render(def string) ([]byte, error) {
	c.mu.Lock()
	img, ok := c.pngs[def]
	c.mu.Unlock()
	if ok {
		return img, nil
	}
	img, err := renderWidget(def)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.pngs == nil || len(c.pngs) >= maxCachedGraphs {
		c.pngs = make(map[string][]byte)
	}
	c.pngs[def] = img
	c.mu.Unlock()
	return img, nil
}

// widgetSpec is the part of a CloudWatch metric widget definition the
// renderer uses.
type widgetSpec struct {
	Width       int    `json:"width"`
	Height      int    `json:"height"`
	Title       string `json:"title"`
	Metrics     []any  `json:"metrics"`
	Annotations struct {
		Horizontal []struct {
			Value float64 `json:"value"`
		} `json:"horizontal"`
	} `json:"annotations"`
}

// renderWidget draws a line graph PNG for a metric widget definition: a
// deterministic series per metric (seeded by the metric's definition, so a
// widget always renders the same) and the horizontal annotations (alarm
// thresholds) as red lines. It is a plausible picture, not data.
func renderWidget(def string) ([]byte, error) {
	var w widgetSpec
	if err := json.Unmarshal([]byte(def), &w); err != nil {
		return nil, err
	}
	if w.Width == 0 {
		w.Width = 600
	}
	if w.Height == 0 {
		w.Height = 300
	}
	w.Width = clamp(w.Width, 64, 2000)
	w.Height = clamp(w.Height, 48, 2000)
	img := image.NewNRGBA(image.Rect(0, 0, w.Width, w.Height))
	fill(img, img.Bounds(), color.NRGBA{255, 255, 255, 255})
	left, right, top, bottom := 40, w.Width-10, 20, w.Height-25
	if right <= left || bottom <= top {
		left, right, top, bottom = 0, w.Width-1, 0, w.Height-1
	}
	grid := color.NRGBA{230, 230, 230, 255}
	for i := 0; i <= 4; i++ {
		y := top + (bottom-top)*i/4
		hline(img, left, right, y, grid)
	}
	axis := color.NRGBA{120, 120, 120, 255}
	hline(img, left, right, bottom, axis)
	vline(img, left, top, bottom, axis)

	n := len(w.Metrics)
	if n == 0 {
		n = 1
	}
	palette := []color.NRGBA{{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {148, 103, 189, 255}}
	const points = 60
	series := make([][]float64, n)
	maxV := 1.0
	for i := range series {
		seed := fmt.Sprint(i)
		if i < len(w.Metrics) {
			seed = fmt.Sprint(w.Metrics[i])
		}
		h := fnv(seed)
		series[i] = make([]float64, points)
		for j := range series[i] {
			v := 2 + 1.5*math.Sin(float64(j)/6+float64(h%7))
			if (uint32(j)*2654435761+h)%17 == 0 || j > points-5 && h%2 == 0 {
				v += 4 // spikes, like the errors that tripped the alarm
			}
			series[i][j] = v
			maxV = math.Max(maxV, v)
		}
	}
	for _, a := range w.Annotations.Horizontal {
		maxV = math.Max(maxV, a.Value*1.2)
	}
	yOf := func(v float64) int { return bottom - int(v/maxV*float64(bottom-top)) }
	for i, s := range series {
		c := palette[i%len(palette)]
		for j := 1; j < len(s); j++ {
			x0 := left + (right-left)*(j-1)/(points-1)
			x1 := left + (right-left)*j/(points-1)
			line(img, x0, yOf(s[j-1]), x1, yOf(s[j]), c)
		}
	}
	for _, a := range w.Annotations.Horizontal {
		y := yOf(a.Value)
		hline(img, left, right, y, color.NRGBA{214, 39, 40, 255})
		hline(img, left, right, y+1, color.NRGBA{214, 39, 40, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func clamp(v, lo, hi int) int { return max(lo, min(hi, v)) }

func fnv(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func fill(img *image.NRGBA, r image.Rectangle, c color.NRGBA) {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetNRGBA(x, y, c)
		}
	}
}

func hline(img *image.NRGBA, x0, x1, y int, c color.NRGBA) {
	for x := x0; x <= x1; x++ {
		img.SetNRGBA(x, y, c)
	}
}

func vline(img *image.NRGBA, x, y0, y1 int, c color.NRGBA) {
	for y := y0; y <= y1; y++ {
		img.SetNRGBA(x, y, c)
	}
}

// line draws with Bresenham's algorithm; SetNRGBA ignores points outside.
func line(img *image.NRGBA, x0, y0, x1, y1 int, c color.NRGBA) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := 1, 1
	if x0 > x1 {
		sx = -1
	}
	if y0 > y1 {
		sy = -1
	}
	e := dx + dy
	for {
		img.SetNRGBA(x0, y0, c)
		img.SetNRGBA(x0, y0+1, c)
		if x0 == x1 && y0 == y1 {
			return
		}
		e2 := 2 * e
		if e2 >= dy {
			e += dy
			x0 += sx
		}
		if e2 <= dx {
			e += dx
			y0 += sy
		}
	}
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}
