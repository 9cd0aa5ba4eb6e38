package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/opschat/opschat/adapters/adaptertest"
)

// hostilePayload is a custom notification whose every text tries to inject
// markup into the page.
const hostilePayload = `{"version":"1.0","source":"custom","content":{"textType":"client-markdown",
"title":"Injected <script>window.pwned=1</script><img src=x onerror=\"window.pwned=2\"> title",
"description":"desc <img src=x onerror=\"window.pwned=3\"> **bold** <b>not bold</b>",
"nextSteps":["<script>window.pwned=4</script>"]},
"metadata":{"summary":"<img src=x onerror=\"window.pwned=5\">","additionalContext":{"k":"<svg onload=\"window.pwned=6\">"}}}`

// unroutedPayload is an SNS envelope for a topic no configuration subscribes to.
const unroutedPayload = `{"Type":"Notification","MessageId":"m-1","TopicArn":"arn:aws:sns:us-east-1:123456789012:nobody-listens",
"Subject":"Unrouted","Message":"{\"version\":\"1.0\",\"source\":\"custom\",\"content\":{\"description\":\"Nobody subscribes to this topic\"}}",
"Timestamp":"2026-12-06T10:00:00.000Z","SignatureVersion":"1","Signature":"x","SigningCertURL":"https://sns.us-east-1.amazonaws.com/x.pem"}`

// TestBrowser drives the playground in headless Chromium: the samples on
// load, a read-only command, a confirmed mutating command, pasted payloads
// (one hostile, one unrouted) and the Slack and Teams views.
func TestBrowser(t *testing.T) {
	browser := adaptertest.ChromiumPath()
	if browser == "" {
		t.Skip("chromium not found (install Debian's chromium or set OPSCHAT_CHROMIUM): the browser test needs a real browser")
	}
	shots := adaptertest.ArtifactDir(t, "playground")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	audit := filepath.Join(t.TempDir(), "audit.jsonl")
	p, err := start(ctx, options{addr: "127.0.0.1:0", statePath: "memory", auditPath: audit, samples: true}, io.Discard)
	require.NoError(t, err)
	defer p.close()
	served := make(chan error, 1)
	go func() { served <- p.serve(ctx) }()
	defer func() {
		cancel()
		assert.NoError(t, <-served)
	}()

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
		chromedp.WindowSize(1280, 1400),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	// The first Run starts the browser and must not have a deadline.
	require.NoError(t, chromedp.Do(bctx, chromedp.Navigate(p.url())), "load the page")

	// step runs actions with a deadline, so a missing element fails the
	// test quickly instead of hanging it.
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		require.NoError(t, chromedp.Do(sctx, actions...), name)
	}
	shot := func(name string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
		require.NoError(t, err)
		path := filepath.Join(shots, name+".png")
		require.NoError(t, os.WriteFile(path, png, 0o644))
		t.Logf("screenshot: %s", path)
	}
	text := func(sel string) string {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		s, err := chromedp.Run(sctx, chromedp.Text(chromedp.CSS(sel)))
		require.NoError(t, err, sel)
		return s
	}
	// waitText waits until the visible text of the channel contains want.
	waitText := func(want string) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		err := chromedp.Do(sctx, chromedp.Poll[chromedp.Void](
			`document.getElementById("messages").innerText.includes(`+strconv.Quote(want)+`)`,
			chromedp.WithPollingTimeout(10*time.Second)))
		if err != nil {
			shot("failed")
			t.Fatalf("the channel does not show %q: %v\n--- channel ---\n%s\n--- error line ---\n%s", want, err, text("#messages"), text("#error"))
		}
	}
	count := func(expr string) int {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 10*time.Second)
		defer cancel()
		n, err := chromedp.Run(sctx, chromedp.Evaluate[int](expr))
		require.NoError(t, err, expr)
		return n
	}

	// clickButton clicks, with the mouse, the latest button of the web view
	// labelled label.
	clickButton := func(label string) {
		t.Helper()
		id := "click-" + strconv.Itoa(int(time.Now().UnixNano()))
		step("find button "+label, chromedp.Poll[chromedp.Void](`(() => {
			const b = [...document.querySelectorAll('.view[data-view="web"] button[data-button]')].filter(b => b.textContent === `+strconv.Quote(label)+`).pop();
			if (!b) return false;
			b.id = `+strconv.Quote(id)+`;
			b.scrollIntoView({block: "center"});
			return true;
		})()`, chromedp.WithPollingTimeout(5*time.Second)))
		step("click "+label, chromedp.Click(chromedp.CSS("#"+id)))
	}

	// The samples are shown on load.
	step("connected", chromedp.WaitVisible(chromedp.CSS(`body[data-ready="true"]`)))
	for _, want := range []string{"checkout-api-errors", "GuardDuty", "Banana Order processing is down", "HighMemoryUsage"} {
		waitText(want)
	}
	assert.GreaterOrEqual(t, count(`document.querySelectorAll("#messages > article.msg").length`), 4)
	shot("01-samples")

	// An alarm's Show logs button runs its command, in the alarm's thread.
	clickButton("Show logs")
	waitText("clicked Show logs")
	// auditHas waits for an audit record holding both strings.
	auditHas := func(want, want2, why string) {
		t.Helper()
		require.Eventually(t, func() bool {
			b, err := os.ReadFile(audit)
			if err != nil {
				return false
			}
			for _, line := range strings.Split(string(b), "\n") {
				if strings.Contains(line, want) && strings.Contains(line, want2) {
					return true
				}
			}
			return false
		}, 5*time.Second, 50*time.Millisecond, why)
	}
	auditHas(`"operation":"filter-log-events"`, `"outcome"`, "the button's command ran (audit log)")

	// A read-only command: the alarms table appears in its thread.
	step("type describe-alarms",
		chromedp.SendKeys(chromedp.CSS("#text"), "cloudwatch describe-alarms"),
		chromedp.Click(chromedp.CSS("#send")))
	waitText("MetricAlarms (5)")
	assert.Equal(t, 1, count(`[...document.querySelectorAll("#messages article.msg .thread pre")].filter(p => p.innerText.includes("checkout-api-errors")).length > 0 ? 1 : 0`),
		"the alarms table is a code block in the command's thread")
	shot("02-describe-alarms")

	// A mutating command asks first; clicking Run (a real mouse click) runs it.
	step("type stop-instances",
		chromedp.SendKeys(chromedp.CSS("#text"), "ec2 stop-instances --instance-ids i-0a1b2c3d4e5f60001"),
		chromedp.Click(chromedp.CSS("#send")))
	waitText("Run this command?")
	clickButton("Run")
	waitText("StoppingInstances")
	waitText("clicked Run")
	shot("03-stop-instances-confirmed")

	// A prompt for a missing parameter is a form; submitting it runs the command.
	step("type get-function",
		chromedp.SendKeys(chromedp.CSS("#text"), "lambda get-function"),
		chromedp.Click(chromedp.CSS("#send")))
	step("form shown", chromedp.WaitVisible(chromedp.CSS(`.view[data-view="web"] form.form input[name="function-name"]`)))
	step("fill in and submit",
		chromedp.SendKeys(chromedp.CSS(`.view[data-view="web"] form.form input[name="function-name"]`), "checkout-api"),
		chromedp.Click(chromedp.CSS(`.view[data-view="web"] form.form button[type="submit"]`)))
	waitText("submitted Missing parameters")
	auditHas(`lambda get-function --function-name checkout-api`, `"outcome":"succeeded"`, "the form's value reached the command, which ran (audit log)")

	// A hostile payload is delivered and shown literally; nothing runs.
	step("paste hostile payload",
		chromedp.SetValue(chromedp.CSS("#payload"), hostilePayload),
		chromedp.Click(chromedp.CSS("#deliver")))
	step("delivered", chromedp.Poll[chromedp.Void](`document.getElementById("notify-note").innerText.includes("Delivered to")`, chromedp.WithPollingTimeout(10*time.Second)))
	waitText(`Injected <script>window.pwned=1</script><img src=x onerror="window.pwned=2"> title`)
	waitText(`desc <img src=x onerror="window.pwned=3">`)
	assert.Equal(t, 0, count(`window.pwned === undefined ? 0 : window.pwned`), "no injected script or handler ran")
	assert.Equal(t, 0, count(`document.querySelectorAll('#messages script, #messages img[src="x"], #messages svg').length`), "no injected element")
	assert.Contains(t, text("#notify-note"), "Delivered to playground")

	// A payload no configuration subscribes to is still shown, as a preview.
	step("paste unrouted payload",
		chromedp.SetValue(chromedp.CSS("#payload"), unroutedPayload),
		chromedp.Click(chromedp.CSS("#deliver")))
	step("unrouted note", chromedp.Poll[chromedp.Void](`document.getElementById("notify-note").innerText.includes("no configuration subscribes")`, chromedp.WithPollingTimeout(10*time.Second)))
	assert.Contains(t, text("#notify-note"), "nobody-listens")
	waitText("Nobody subscribes to this topic")
	shot("04-pasted-payloads")

	// The Teams view draws the Adaptive Cards; the Slack view the Block Kit.
	step("switch to Teams", chromedp.Click(chromedp.CSS(`input[name="view"][value="teams"]`)))
	assert.Equal(t, 0, count(`document.querySelectorAll('.view[data-view="web"]:not([hidden])').length`), "the web view is hidden")
	assert.Greater(t, count(`document.querySelectorAll('.view[data-view="teams"]:not([hidden]) .teams .ac-factset').length`), 0, "alarm facts as a FactSet")
	assert.Greater(t, count(`document.querySelectorAll('.view[data-view="teams"]:not([hidden]) details.payload pre').length`), 0, "the card JSON to copy")
	assert.Greater(t, count(`[...document.querySelectorAll('.view[data-view="teams"]:not([hidden]) pre.payload-json')].filter(p => p.textContent.includes('"type": "AdaptiveCard"')).length`), 0)
	assert.Equal(t, 0, count(`window.pwned === undefined ? 0 : window.pwned`))
	shot("05-teams-view")

	step("switch to Slack", chromedp.Click(chromedp.CSS(`input[name="view"][value="slack"]`)))
	assert.Greater(t, count(`document.querySelectorAll('.view[data-view="slack"]:not([hidden]) .slack .attachment .section-fields').length`), 0, "alarm fields as a section's fields")
	assert.Greater(t, count(`[...document.querySelectorAll('.view[data-view="slack"]:not([hidden]) .slack strong')].length`), 0, "mrkdwn bold rendered")
	assert.Greater(t, count(`[...document.querySelectorAll('.view[data-view="slack"]:not([hidden]) pre.payload-json')].filter(p => p.textContent.includes('"blocks"')).length`), 0)
	assert.Contains(t, text("#messages"), "Banana Order processing is down")
	assert.Contains(t, text("#messages"), "ec2 stop-instances --instance-ids i-0a1b2c3d4e5f60001", "what the user typed shows in every view")
	assert.Equal(t, 0, count(`window.pwned === undefined ? 0 : window.pwned`))
	shot("06-slack-view")

	step("switch to Chime", chromedp.Click(chromedp.CSS(`input[name="view"][value="chime"]`)))
	assert.Greater(t, count(`document.querySelectorAll('.view[data-view="chime"]:not([hidden]) .chime strong').length`), 0)
	shot("07-chime-view")
}
