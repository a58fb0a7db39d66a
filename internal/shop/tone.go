package shop

import (
	"sort"
	"strings"
	"unicode"

	"mostrador/orders"
)

// A customer reads some phrases as a closed door ("no es posible") or as
// being talked down to ("no se preocupe"), however kindly meant. The reply
// box hints at a softer wording when a draft uses one; it never changes
// the owner's words.

// ToneHint is a phrase found in a draft and the advice about it.
type ToneHint struct {
	Phrase string `json:"phrase"` // as the hint quotes it
	Key    string `json:"key"`    // the advice's translation key (tone.*)
}

// tonePhrases are the phrases the hints quote, with their advice. Where a
// longer phrase holds a shorter one, the longer is found alone.
var tonePhrases = []ToneHint{
	{"no es posible", "tone.notPossible"},
	{"no será posible", "tone.notPossible"},
	{"imposible", "tone.notPossible"},
	{"no se preocupe", "tone.dontWorry"},
	{"no te preocupes", "tone.dontWorry"},
	{"lamentablemente no podemos", "tone.cannot"},
	{"desafortunadamente no podemos", "tone.cannot"},
	{"it's not possible", "tone.notPossible"},
	{"it is not possible", "tone.notPossible"},
	{"impossible", "tone.notPossible"},
	{"unfortunately we can't", "tone.cannot"},
	{"unfortunately we cannot", "tone.cannot"},
	{"don't worry", "tone.dontWorry"},
}

// toneWords is text as the phrases are looked for in it: accents and case
// folded, curly apostrophes straight, every other mark a space, and a
// space at each end so that " phrase " finds whole words only.
func toneWords(text string) string {
	text = strings.NewReplacer("’", "'", "‘", "'").Replace(text)
	text = strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '\'' {
			return r
		}
		return ' '
	}, text)
	return " " + orders.Fold(text) + " "
}

var tonePhrasesFolded = func() []string {
	out := make([]string, len(tonePhrases))
	for i, p := range tonePhrases {
		out[i] = toneWords(p.Phrase)
	}
	return out
}()

// ToneHints lists the phrases of text that read as negative, in the order
// they first come, each once.
func ToneHints(text string) []ToneHint {
	words := toneWords(text)
	type found struct {
		at   int
		hint ToneHint
	}
	var all []found
	for i, p := range tonePhrasesFolded {
		at := strings.Index(words, p)
		if at < 0 {
			continue
		}
		inside := false // "imposible" within a longer phrase already found is not said twice
		for _, f := range all {
			if at >= f.at && at+len(p) <= f.at+len(toneWords(f.hint.Phrase)) {
				inside = true
			}
		}
		if !inside {
			all = append(all, found{at, tonePhrases[i]})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at < all[j].at })
	hints := make([]ToneHint, len(all))
	for i, f := range all {
		hints[i] = f.hint
	}
	return hints
}
