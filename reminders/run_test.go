package reminders

import (
	"context"
	"testing"
	"time"
)

// The loop sleeps until the next job is due (a timer, not polling), wakes
// at once when told, and returns when its context ends.
func TestRunSleepsUntilDueAndWakes(t *testing.T) {
	s := newShop(t)
	s.now = time.Now().UTC()
	clock := func() time.Time { return time.Now().UTC() }
	sched := s.scheduler()
	sched.Now = clock
	sched.Mailbox.(*InboxMailbox).Now = clock
	sched.Mailbox.(*InboxMailbox).Sender.Now = clock
	setting(t, s.db, "reminders.quiet_hours", "off") // the test runs at any hour
	// A thank-you due in 1.5 s: the file says the minute the order was
	// placed, the rule waits until 1.5 s from now.
	placed := s.now.Truncate(time.Minute).Add(-10 * time.Minute)
	if err := SetDelay(context.Background(), s.db, ThankYou, s.now.Add(1500*time.Millisecond).Sub(placed), s.now); err != nil {
		t.Fatal(err)
	}
	s.order(t, "P-1", placed, "Paid", "", "")
	if j := jobs(t, s.db, ""); len(j) != 1 || j[0].Due.After(s.now.Add(2*time.Second)) {
		t.Fatalf("jobs %+v", j)
	}

	ctx, cancel := context.WithCancel(context.Background())
	rounds := make(chan Report, 10)
	done := make(chan struct{})
	go func() {
		defer close(done)
		sched.Run(ctx, time.Hour, func(r Report, err error) {
			if err != nil {
				t.Error(err)
			}
			rounds <- r
		})
	}()
	first := <-rounds
	if first.Queued != 0 {
		t.Fatalf("first round sent early: %+v", first)
	}
	start := time.Now()
	second := <-rounds // the timer, not maxSleep (an hour)
	if second.Queued != 1 || time.Since(start) > 5*time.Second {
		t.Fatalf("second round %+v after %v", second, time.Since(start))
	}
	// Woken: a round at once.
	sched.Wake()
	select {
	case <-rounds:
	case <-time.After(5 * time.Second):
		t.Fatal("Wake did not start a round")
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return when its context ended")
	}
	if n := len(s.smtp.Messages()); n != 1 {
		t.Fatalf("%d emails", n)
	}
}
