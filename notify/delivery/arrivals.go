package delivery

import "time"

// The arrival guard. A platform counts a message when the request arrives,
// which is some time after the limiter granted its slot: the send is
// rendered, written and scheduled in between, and on a loaded machine (or
// a clock scaled for a test) that time varies by more than the spacing of
// the slots. Sends granted one rate interval apart can then arrive closer
// together, and the platform sees a burst the limiter never granted. The
// margin (LimitsWithMargin) makes that rare; the guard makes it impossible,
// given only that a send arrives between its grant g and its completion c
// (when the platform's answer, or the failure, came back).
//
// Against a token bucket of rate r and burst B, a sequence of arrivals is
// within the limit iff every window [x, y] holds at most B + r(y-x) of
// them. Not knowing the arrivals, the guard counts, for a window ending at
// a new grant g, every send that may arrive in it: each completed send
// whose completion c >= x, and every send still in flight. It grants only
// when, with the new send, for every x <= g:
//
//	inflight + #{completed: c >= x} + 1 <= B + r(g - x)
//
// and inflight + 1 <= B (all in-flight sends might still arrive at one
// instant). Windows that end between two grants hold no more sends than
// the window ending at the earlier grant, checked then with every send in
// flight counted, so all windows are covered. The binding x are the
// completion times: the k-th latest completion c_k requires
// g >= c_k + (inflight + k + 1 - B)/r. Numbering completions 1..n in order
// (the k-th latest is number n-k+1), that is
//
//	g >= max_j (c_j - j/r) + (inflight + n + 2 - B)/r
//
// so the guard keeps only n and the running maximum of c_j - j/r: constant
// state per bucket, however long the history. With sends arriving at once
// the guard never binds below the bucket's own limit; it costs throughput
// only while sends are slow to complete, which is exactly when arrivals
// could bunch.
type arrivals struct {
	inflight int
	n        int64     // completed sends
	horizon  time.Time // max over completions of c_j - j/r; zero: none yet
}

// earliest returns the first instant >= now at which one more send keeps
// every window within l, or ok=false when the sends in flight already fill
// the burst (wait for one to complete).
func (a *arrivals) earliest(l Limit, now time.Time) (t time.Time, ok bool) {
	if l.unlimited() {
		return now, true
	}
	burst := max(l.Burst, 1)
	if a.inflight+1 > burst {
		return time.Time{}, false
	}
	if a.horizon.IsZero() {
		return now, true
	}
	need := float64(a.inflight) + float64(a.n) + 2 - float64(burst)
	return latest(now, a.horizon.Add(time.Duration(need/l.Rate*float64(time.Second)))), true
}

// start counts a granted send in flight.
func (a *arrivals) start(l Limit) {
	if !l.unlimited() {
		a.inflight++
	}
}

// finish records that a send in flight completed at now.
func (a *arrivals) finish(l Limit, now time.Time) {
	if l.unlimited() || a.inflight == 0 {
		return
	}
	a.inflight--
	a.n++
	w := now.Add(-time.Duration(float64(a.n) / l.Rate * float64(time.Second)))
	if a.horizon.IsZero() || w.After(a.horizon) {
		a.horizon = w
	}
}

// idle reports whether forgetting the guard's state is safe: nothing in
// flight, and every completion's constraint is met even by a full burst
// granted now (now >= c_j + (n - j + 1)/r for all j).
func (a *arrivals) idle(l Limit, now time.Time) bool {
	if l.unlimited() {
		return true
	}
	if a.inflight > 0 {
		return false
	}
	return a.horizon.IsZero() || !now.Before(a.horizon.Add(time.Duration((float64(a.n)+1)/l.Rate*float64(time.Second))))
}
