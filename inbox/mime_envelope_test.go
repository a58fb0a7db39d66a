package inbox

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestMsgIDs(t *testing.T) {
	for in, want := range map[string][]string{
		"<a@b>":                             {"a@b"},
		"  <a@b> (comentario) <c@d>\r\n":    {"a@b", "c@d"},
		"<a@b> <a@b> <c@d>":                 {"a@b", "c@d"},
		"<partido\n en dos@example.com>":    {"partidoendos@example.com"},
		"sin-corchetes@example.com":         {"sin-corchetes@example.com"},
		"<a@b> (Ana's message of 3 March)":  {"a@b"},
		"":                                  nil,
		"<>":                                nil,
		"<abierto@example.com":              {"abierto@example.com"},
		"nada que ver":                      nil,
		"<1@x>,<2@x>":                       {"1@x", "2@x"},
		"In-Reply-To junk <x@y> more junk ": {"x@y"},
	} {
		if got := msgIDs(in); !slices.Equal(got, want) {
			t.Errorf("msgIDs(%q) = %q, want %q", in, got, want)
		}
	}
	var refs strings.Builder
	for i := range 150 {
		fmt.Fprintf(&refs, "<r%d@x>\r\n ", i)
	}
	p := ParseMessage([]byte("References: " + refs.String() + "\r\n\r\n"))
	if len(p.References) != maxReferences || p.References[0] != "r0@x" || p.References[1] != "r51@x" || p.References[99] != "r149@x" {
		t.Errorf("long References kept %d: %q...", len(p.References), p.References[:2])
	}
}

func TestParseMailDate(t *testing.T) {
	want := time.Date(2025, 3, 7, 10, 30, 2, 0, time.UTC)
	for _, in := range []string{
		"Fri, 7 Mar 2025 11:30:02 +0100",
		"Fri, 07 Mar 2025 11:30:02 +0100 (CET)",
		"7 Mar 2025 11:30:02 +0100",
		"Fri,  7 Mar 2025 10:30:02 GMT",
		"Fri, 7 Mar 2025 10:30:02 UT",
		"Friday, 7 Mar 2025 11:30:02 +0100",
		"Fri, 7 Mar 25 11:30:02 +0100",
		"Fri Mar  7 10:30:02 2025",
		"2025-03-07T11:30:02+01:00",
		"Fri, 7 MAR 2025 11:30:02 +0100",
	} {
		got, ok := parseMailDate(in)
		if !ok || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseMailDate(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "ayer", "Thu, 01 Jan 1970 00:00:00 +0000", "Mon, 1 Jan 1601 00:00:00 +0000"} {
		if got, ok := parseMailDate(in); ok {
			t.Errorf("parseMailDate(%q) = %v, want unreadable", in, got)
		}
	}
}

// The fast path for the usual Date shape refuses what net/mail refuses,
// rather than moving an impossible day into the next month or reading a
// sign inside a number.
func TestParseMailDateImpossible(t *testing.T) {
	for _, in := range []string{
		"Mon, 31 Feb 2025 10:00:00 +0000",
		"29 Feb 2025 10:00:00 +0000",
		"31 Apr 2025 10:00:00 +0000",
		"7 Mar 2025 11:30:02 +-100",
		"+7 Mar 2025 11:30:02 +0100",
		"7 Mar 2025 +1:30:02 +0100",
	} {
		if got, ok := parseMailDate(in); ok {
			t.Errorf("parseMailDate(%q) = %v, want unreadable", in, got)
		}
	}
	want := time.Date(2024, 2, 29, 9, 0, 0, 0, time.UTC)
	if got, ok := parseMailDate("Thu, 29 Feb 2024 10:00:00 +0100"); !ok || !got.Equal(want) {
		t.Errorf("leap day: %v, %v", got, ok)
	}
}
