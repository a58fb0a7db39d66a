package reminders

import (
	"fmt"
	"strings"
	"time"

	"mostrador/internal/settings"
)

// Quiet is the part of the night when no automated email goes, in the
// shop's time zone: from Start to End, minutes after midnight (Start after
// End: the hours span midnight). Start == End: never quiet.
type Quiet struct {
	Start, End int
	Zone       *time.Location
}

// ParseQuiet reads quiet hours as settings stores them ("21:00-08:00", or
// "off": never quiet), in the shop's zone.
func ParseQuiet(s string, zone *time.Location) (Quiet, error) {
	if zone == nil {
		zone = time.Local
	}
	if strings.TrimSpace(s) == "off" {
		return Quiet{Zone: zone}, nil
	}
	from, to, ok := settings.QuietHoursOf(strings.TrimSpace(s))
	if !ok {
		return Quiet{}, fmt.Errorf("quiet hours %q: want HH:MM-HH:MM or off", s)
	}
	return Quiet{Start: from, End: to, Zone: zone}, nil
}

// at is the wall-clock time minutes after midnight on t's day, in the zone
// (a time that a DST change skips comes out an hour later, as time.Date
// makes it).
func (q Quiet) at(t time.Time, minutes int) time.Time {
	y, m, d := t.In(q.Zone).Date()
	return time.Date(y, m, d, minutes/60, minutes%60, 0, 0, q.Zone)
}

// span is the quiet period holding t, if any: when it began and when it ends.
func (q Quiet) span(t time.Time) (begin, end time.Time, quiet bool) {
	if q.Start == q.End || q.Zone == nil {
		return time.Time{}, time.Time{}, false
	}
	// The period that began on t's day, and the one that began the day
	// before (which may reach into t's day when it spans midnight).
	for _, day := range []time.Time{t, t.In(q.Zone).AddDate(0, 0, -1)} {
		b := q.at(day, q.Start)
		e := q.at(day, q.End)
		if q.End <= q.Start {
			e = q.at(day.In(q.Zone).AddDate(0, 0, 1), q.End)
		}
		if !t.Before(b) && t.Before(e) {
			return b, e, true
		}
	}
	return time.Time{}, time.Time{}, false
}

// eveningMargin is how long before the quiet hours a time-critical email
// moved out of them goes.
const eveningMargin = 15 * time.Minute

// Move takes t out of the quiet hours. A time-critical email (an
// appointment reminder) goes the evening before they began, if that is not
// before notBefore; any other, and a critical one that can no longer go the
// evening before, goes when they end. ok is false when t is not quiet.
func (q Quiet) Move(t time.Time, critical bool, notBefore time.Time) (time.Time, bool) {
	begin, end, quiet := q.span(t)
	if !quiet {
		return t, false
	}
	if critical {
		if evening := begin.Add(-eveningMargin); !evening.Before(notBefore) {
			return evening, true
		}
	}
	return end, true
}
