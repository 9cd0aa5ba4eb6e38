package teams_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
	"github.com/opschat/opschat/adapters/teams"
	"github.com/opschat/opschat/chat"
)

// cardPage renders the card named by ?card= with Microsoft's renderer (the
// npm adaptivecards package Teams' web client is built on), under a
// Teams-like host config, and records parse and validation events in
// window.acErrors.
const cardPage = `<!doctype html>
<html><head><meta charset="utf-8">
<style>body{margin:0;background:#fff;font-family:"Segoe UI",Helvetica,Arial,sans-serif} #card{width:640px;padding:12px}</style>
<script src="/adaptivecards.js"></script></head>
<body><div id="card"></div>
<script>
(async () => {
  const errs = [];
  try {
    const name = new URLSearchParams(location.search).get("card");
    const json = await (await fetch("/card/" + encodeURIComponent(name))).json();
    const AC = window.AdaptiveCards;
    const ctx = new AC.SerializationContext(new AC.Version(1, 5));
    const card = new AC.AdaptiveCard();
    card.hostConfig = new AC.HostConfig({supportsInteractivity: true, actions: {maxActions: 6}});
    card.parse(json, ctx);
    for (let i = 0; i < ctx.eventCount; i++) errs.push("parse: " + ctx.getEventAt(i).message);
    for (const e of card.validateProperties().validationEvents) errs.push("validate: " + e.message);
    document.getElementById("card").appendChild(card.render());
  } catch (e) {
    errs.push("exception: " + e);
  }
  window.acErrors = errs;
  document.body.dataset.done = "1";
})();
</script></body></html>`

// tableLayout reads every Table the renderer drew: for each table, for each
// row, the left x of each cell and its text.
const tableLayout = `[...document.querySelectorAll('[role="table"]')].map(t =>
  [...t.querySelectorAll('[role="row"]')].map(r =>
    [...r.children].map(c => ({x: c.getBoundingClientRect().left, h: (c.querySelector(".ac-textBlock") || c).getBoundingClientRect().height, text: c.innerText.trim()}))))`

type cellBox struct {
	X    float64 `json:"x"`
	H    float64 `json:"h"`
	Text string  `json:"text"`
}

// alarmGraph draws a 600×300 line graph with a threshold line, standing in
// for CloudWatch's picture so the screenshot shows a real-sized image.
func alarmGraph(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 600, 300))
	for x := range 600 {
		for y := range 300 {
			img.Set(x, y, color.White)
		}
		img.Set(x, 100, color.RGBA{0xd1, 0x32, 0x12, 0xff}) // threshold
		y := 250 - (x*x)/1800
		for d := range 3 {
			if y+d >= 0 && y+d < 300 {
				img.Set(x, y+d, color.RGBA{0x1f, 0x77, 0xb4, 0xff})
			}
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	return buf.Bytes()
}

// TestBrowserRendersCards renders the alarm (with its graph), a command
// table and a confirmation with Microsoft's Adaptive Cards renderer in
// headless Chromium, keeps a screenshot of each (under $OPSCHAT_ARTIFACTS
// when set), and checks from the DOM that the renderer accepted every card
// and that each table column's cells start at the same x. It needs
// Chromium and the npm package (OPSCHAT_ADAPTIVECARDS_JS, see
// TestOfficialValidator); without them it is skipped.
func TestBrowserRendersCards(t *testing.T) {
	browser := adaptertest.ChromiumPath()
	if browser == "" {
		t.Skip("chromium not found (install Debian's chromium or set OPSCHAT_CHROMIUM): the card screenshots need a real browser")
	}
	lib := os.Getenv("OPSCHAT_ADAPTIVECARDS_JS")
	if lib == "" {
		t.Skip("set OPSCHAT_ADAPTIVECARDS_JS to adaptivecards/dist/adaptivecards.js (npm adaptivecards@3.0.6) to render cards in the browser")
	}
	js, err := os.ReadFile(lib)
	require.NoError(t, err, "OPSCHAT_ADAPTIVECARDS_JS")

	alarm := adaptertest.AlarmGraphMessage()
	graph := alarmGraph(t)
	alarm.Images[0].Data = graph
	byName := map[string]chat.Message{"alarm": alarm}
	for _, c := range adaptertest.GoldenCases() {
		if c.Name == "aws_table" || c.Name == "confirmation" {
			byName[c.Name] = c.Msg
		}
	}
	require.Len(t, byName, 3)
	cards := map[string][]byte{}
	for name, m := range byName {
		cards[name] = []byte(cardJSON(t, teams.Render(m, teams.RenderOptions{})))
		t.Logf("%s card: %d bytes", name, len(cards[name]))
	}
	assert.Contains(t, string(cards["alarm"]), "data:image/png;base64,", "the %d-byte graph is inlined", len(graph))

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(cardPage))
		case r.URL.Path == "/adaptivecards.js":
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = w.Write(js)
		case strings.HasPrefix(r.URL.Path, "/card/") && cards[strings.TrimPrefix(r.URL.Path, "/card/")] != nil:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(cards[strings.TrimPrefix(r.URL.Path, "/card/")])
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(browser),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(800, 1000),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	// The first Run starts the browser and must not have a deadline.
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate("about:blank")), "start the browser")
	shots := adaptertest.ArtifactDir(t, "teams-cards")

	for _, name := range []string{"alarm", "aws_table", "confirmation"} {
		t.Run(name, func(t *testing.T) {
			sctx, cancel := context.WithTimeout(bctx, 20*time.Second)
			defer cancel()
			require.NoError(t, chromedp.Do(sctx,
				chromedp.Navigate(srv.URL+"/?card="+name),
				chromedp.Poll[chromedp.Void](`document.body.dataset.done === "1" && [...document.images].every(i => i.complete)`,
					chromedp.WithPollingTimeout(15*time.Second)),
			), "render the card")
			errs, err := chromedp.Run(sctx, chromedp.Evaluate[[]string](`window.acErrors`))
			require.NoError(t, err)
			assert.Empty(t, errs, "Microsoft's renderer accepts the card")

			shot, err := chromedp.Run(sctx, chromedp.Screenshot(chromedp.CSS("#card")))
			require.NoError(t, err)
			path := filepath.Join(shots, name+".png")
			require.NoError(t, os.WriteFile(path, shot, 0o644))
			t.Logf("screenshot: %s", path)

			text, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("#card")))
			require.NoError(t, err)
			tables, err := chromedp.Run(sctx, chromedp.Evaluate[[][][]cellBox](tableLayout))
			require.NoError(t, err)
			switch name {
			case "alarm":
				assert.Contains(t, text, "HighErrors")
				shown, err := chromedp.Run(sctx, chromedp.Evaluate[[]int](
					`[...document.querySelectorAll("#card img")].filter(i => i.src.startsWith("data:image/png")).map(i => i.naturalWidth)`))
				require.NoError(t, err)
				assert.Equal(t, []int{600}, shown, "the graph is decoded and shown")
			case "aws_table":
				require.Len(t, tables, 1, "the aligned command output is a native table")
				assertColumnsAlign(t, tables[0], []string{"InstanceId", "State", "InstanceType", "PrivateIpAddress", "Name"}, 4)
			case "confirmation":
				assert.Contains(t, text, "i-0123456789abcdef0")
				buttons, err := chromedp.Run(sctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#card button")].map(b => b.innerText.trim())`))
				require.NoError(t, err)
				assert.Equal(t, []string{"Confirm", "Cancel"}, buttons)
			}
		})
	}
}

// assertColumnsAlign checks a rendered table: its header, its row count,
// that the cells of each column share one left x (within 1 px), that
// columns go left to right, and that no cell wraps (every cell is as tall
// as the shortest, within 1 px: these cells fit on one line). Heights are
// the text's own, as a row stretches all its cells to its tallest.
func assertColumnsAlign(t *testing.T, rows [][]cellBox, header []string, wantRows int) {
	t.Helper()
	require.Len(t, rows, wantRows)
	line := rows[0][0].H
	for _, row := range rows {
		for _, c := range row {
			if c.Text != "" {
				line = min(line, c.H)
			}
		}
	}
	for _, row := range rows {
		for _, c := range row {
			if c.Text == "" {
				continue
			}
			assert.InDelta(t, line, c.H, 1, "cell %q wraps: %.1f px tall, a line is %.1f", c.Text, c.H, line)
		}
	}
	var got []string
	for _, c := range rows[0] {
		got = append(got, c.Text)
	}
	assert.Equal(t, header, got)
	for r, row := range rows {
		require.Len(t, row, len(header), "row %d", r)
		for c := range row {
			assert.InDelta(t, rows[0][c].X, row[c].X, 1, "row %d column %d (%q) starts at x=%.1f, the header at x=%.1f",
				r, c, row[c].Text, row[c].X, rows[0][c].X)
			if c > 0 {
				assert.Greater(t, row[c].X, row[c-1].X, fmt.Sprintf("row %d: column %d is right of column %d", r, c, c-1))
			}
		}
	}
}
