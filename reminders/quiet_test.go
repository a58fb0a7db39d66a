package reminders

import (
	"testing"
	"time"
)

func TestQuietMove(t *testing.T) {
	madrid, santiago := zone(t, "Europe/Madrid"), zone(t, "America/Santiago")
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	for _, tc := range []struct {
		name      string
		loc       *time.Location
		t         time.Time
		critical  bool
		notBefore time.Time
		want      time.Time
		quiet     bool
	}{
		{"daytime stays", madrid, at(madrid, 2026, 3, 10, 12, 0), false, time.Time{}, at(madrid, 2026, 3, 10, 12, 0), false},
		{"08:00 is awake", madrid, at(madrid, 2026, 3, 10, 8, 0), false, time.Time{}, at(madrid, 2026, 3, 10, 8, 0), false},
		{"20:59 is awake", madrid, at(madrid, 2026, 3, 10, 20, 59), false, time.Time{}, at(madrid, 2026, 3, 10, 20, 59), false},
		{"late evening to morning", madrid, at(madrid, 2026, 3, 10, 22, 30), false, time.Time{}, at(madrid, 2026, 3, 11, 8, 0), true},
		{"small hours to morning", madrid, at(madrid, 2026, 3, 11, 3, 0), false, time.Time{}, at(madrid, 2026, 3, 11, 8, 0), true},
		{"critical to evening before", madrid, at(madrid, 2026, 3, 11, 6, 0), true, at(madrid, 2026, 3, 10, 12, 0),
			at(madrid, 2026, 3, 10, 20, 45), true},
		{"critical, evening gone: morning", madrid, at(madrid, 2026, 3, 11, 6, 0), true, at(madrid, 2026, 3, 10, 21, 30),
			at(madrid, 2026, 3, 11, 8, 0), true},
		// Spring forward in Madrid (29 March 2026, 02:00 → 03:00): the
		// night is an hour shorter, the morning still 08:00.
		{"DST spring, Madrid", madrid, at(madrid, 2026, 3, 29, 2, 30), false, time.Time{}, at(madrid, 2026, 3, 29, 8, 0), true},
		{"DST autumn, Madrid, critical", madrid, at(madrid, 2026, 10, 25, 7, 0), true, at(madrid, 2026, 10, 24, 9, 0),
			at(madrid, 2026, 10, 24, 20, 45), true},
		// Santiago: clocks go back on 5 April 2026 (00:00 → 23:00 the day
		// before) and forward on 6 September (00:00 → 01:00).
		{"DST April, Santiago", santiago, at(santiago, 2026, 4, 4, 23, 30), false, time.Time{}, at(santiago, 2026, 4, 5, 8, 0), true},
		{"DST September, Santiago", santiago, at(santiago, 2026, 9, 6, 1, 30), true, at(santiago, 2026, 9, 5, 10, 0),
			at(santiago, 2026, 9, 5, 20, 45), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseQuiet("21:00-08:00", tc.loc)
			if err != nil {
				t.Fatal(err)
			}
			got, quiet := q.Move(tc.t, tc.critical, tc.notBefore)
			if quiet != tc.quiet || !got.Equal(tc.want) {
				t.Errorf("Move(%v) = %v, %v; want %v, %v", tc.t, got.In(tc.loc), quiet, tc.want, tc.quiet)
			}
		})
	}
}

func TestQuietWithinOneDayAndNever(t *testing.T) {
	madrid := zone(t, "Europe/Madrid")
	q, err := ParseQuiet("13:00-15:30", madrid) // a siesta, not spanning midnight
	if err != nil {
		t.Fatal(err)
	}
	if got, quiet := q.Move(time.Date(2026, 3, 10, 14, 0, 0, 0, madrid), false, time.Time{}); !quiet ||
		!got.Equal(time.Date(2026, 3, 10, 15, 30, 0, 0, madrid)) {
		t.Errorf("siesta: %v %v", got, quiet)
	}
	never, err := ParseQuiet("off", madrid)
	if err != nil {
		t.Fatal(err)
	}
	if _, quiet := never.Move(time.Date(2026, 3, 10, 3, 0, 0, 0, madrid), false, time.Time{}); quiet {
		t.Error("off is never quiet")
	}
	for _, bad := range []string{"25:00-08:00", "21:00", "", "08:00-08:00"} {
		if _, err := ParseQuiet(bad, madrid); err == nil {
			t.Errorf("ParseQuiet(%q) accepted", bad)
		}
	}
}
