package shop

import (
	"reflect"
	"testing"
)

func TestToneHints(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []ToneHint
	}{
		{"Hola Ana, ya salió tu pedido.", nil},
		{"Lo siento, NO ES POSIBLE cambiarlo.", []ToneHint{{"no es posible", "tone.notPossible"}}},
		{"No se preocupe: mañana sale. Cambiarlo hoy es imposible.",
			[]ToneHint{{"no se preocupe", "tone.dontWorry"}, {"imposible", "tone.notPossible"}}},
		{"Será posible", nil},
		{"No será posible, lamentablemente no podemos.",
			[]ToneHint{{"no será posible", "tone.notPossible"}, {"lamentablemente no podemos", "tone.cannot"}}},
		{"Unfortunately we can’t ship to the islands. Don't worry!",
			[]ToneHint{{"unfortunately we can't", "tone.cannot"}, {"don't worry", "tone.dontWorry"}}},
		{"It is not possible", []ToneHint{{"it is not possible", "tone.notPossible"}}},
		{"imposibles no hay", nil}, // another word
		{"posibleimposible", nil},  // not a word of its own
		{"no\nes   posible", []ToneHint{{"no es posible", "tone.notPossible"}}}, // across lines
	} {
		if got := ToneHints(tc.text); !reflect.DeepEqual(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%q: %+v, want %+v", tc.text, got, tc.want)
		}
	}
}
