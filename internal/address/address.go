// Package address holds the one function that turns an email address into the
// key that customers, orders and messages are joined on.
package address

import "strings"

// Normalize returns the join key of an email address: surrounding space and
// angle brackets removed, a "mailto:" prefix dropped, lower-cased. It does not
// judge validity; see Valid.
func Normalize(email string) string {
	s := strings.TrimSpace(email)
	s = strings.TrimPrefix(strings.TrimPrefix(s, "mailto:"), "MAILTO:")
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	return strings.ToLower(strings.TrimSpace(s))
}

// Valid reports whether a normalized address looks deliverable: one @, a
// non-empty local part, and a domain with a dot and no spaces.
func Valid(normalized string) bool {
	at := strings.LastIndexByte(normalized, '@')
	if at <= 0 || at != strings.IndexByte(normalized, '@') {
		return false
	}
	domain := normalized[at+1:]
	if strings.ContainsAny(normalized, " \t\r\n,;<>\"") {
		return false
	}
	dot := strings.IndexByte(domain, '.')
	return dot > 0 && dot < len(domain)-1 && !strings.Contains(domain, "..")
}
