package orders

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Dialect is how a file is written, as far as the import found out.
type Dialect struct {
	Encoding  string `json:"encoding"`            // utf-8, utf-8-bom, utf-16le, windows-1252
	Delimiter string `json:"delimiter"`           // "," ";" "\t" ("xlsx" for spreadsheets)
	Decimal   string `json:"decimal,omitempty"`   // "." or ","
	DateOrder string `json:"dateOrder,omitempty"` // day/month/year, month/day/year
	HeaderRow int    `json:"headerRow"`           // spreadsheet row of the header
}

// rowSource yields a file's rows one by one with their spreadsheet row number
// (the number Excel shows: the header is usually row 1, blank lines count).
type rowSource interface {
	Next() (row int, fields []string, err error)
}

const sniffSize = 64 << 10

// decodeText wraps r so that it yields UTF-8 whatever the file is written in:
// a UTF-8 BOM is dropped, UTF-16 (Excel's "Unicode text") is converted, and a
// file whose first 64 KiB are not valid UTF-8 is read as Windows-1252 (a
// superset of ISO-8859-1 for every printable character). A UTF-8 file with a
// stray Windows-1252 byte further on keeps that character rather than
// failing: each invalid byte is read as Windows-1252.
func decodeText(r io.Reader) (io.Reader, string, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, "", err
	}
	text := func(t transform.Transformer) io.Reader {
		return transform.NewReader(br, transform.Chain(t, new(macLineEnds)))
	}
	switch {
	case bytes.HasPrefix(head, []byte{0xEF, 0xBB, 0xBF}):
		br.Discard(3)
		return text(utf8Fallback{}), "utf-8-bom", nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xFE}):
		return text(unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()), "utf-16le", nil
	case bytes.HasPrefix(head, []byte{0xFE, 0xFF}):
		return text(unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()), "utf-16be", nil
	}
	if multi, invalid := utf8Census(head); invalid == 0 || multi > 0 {
		// UTF-8, perhaps with a stray Windows-1252 byte pasted in.
		return text(utf8Fallback{}), "utf-8", nil
	}
	return text(charmap.Windows1252.NewDecoder()), "windows-1252", nil
}

// macLineEnds reads the lone carriage returns that end the lines of a
// classic Mac text file (Excel for Mac's "CSV (Macintosh)") as line feeds:
// encoding/csv sees no line break in them, and the whole file would be one
// row. The first line break decides: a carriage return (or a run of them,
// blank lines) not followed by a line feed makes it a Mac file. Any other
// file passes through untouched ("\r\r\n", from a double conversion, stays
// one line break).
type macLineEnds struct{ mode int8 } // 0 undecided, 1 Mac, -1 other

func (t *macLineEnds) Reset() { t.mode = 0 }

func (t *macLineEnds) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		if t.mode < 0 {
			n := copy(dst[nDst:], src[nSrc:])
			nDst, nSrc = nDst+n, nSrc+n
			if nSrc < len(src) {
				return nDst, nSrc, transform.ErrShortDst
			}
			return nDst, nSrc, nil
		}
		c := src[nSrc]
		if c == '\n' && t.mode == 0 {
			t.mode = -1
			continue
		}
		if c == '\r' {
			if t.mode == 0 {
				end := nSrc
				for end < len(src) && src[end] == '\r' && end-nSrc < 512 {
					end++
				}
				switch {
				case end-nSrc >= 512 || end < len(src) && src[end] != '\n' || end == len(src) && atEOF:
					t.mode = 1
				case end < len(src): // a line feed follows
					t.mode = -1
					continue
				default:
					return nDst, nSrc, transform.ErrShortSrc
				}
			}
			if nSrc+1 == len(src) && !atEOF {
				return nDst, nSrc, transform.ErrShortSrc
			}
			if nSrc+1 == len(src) || src[nSrc+1] != '\n' {
				c = '\n'
			}
		}
		if nDst == len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		dst[nDst] = c
		nDst, nSrc = nDst+1, nSrc+1
	}
	return nDst, nSrc, nil
}

// utf8Census counts the valid multi-byte UTF-8 characters and the invalid
// bytes of a sample. Windows-1252 text has no valid multi-byte sequences in
// practice (é is the lone byte E9), so one of them marks the file as UTF-8.
// A sequence cut at the end of the sample does not count as invalid.
func utf8Census(b []byte) (multi, invalid int) {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		switch {
		case r != utf8.RuneError || size > 1:
			multi++
		case !utf8.FullRune(b[i:]):
			return multi, invalid
		default:
			invalid++
		}
		i += size
	}
	return multi, invalid
}

// utf8Fallback passes valid UTF-8 through and turns each invalid byte into the
// Windows-1252 character it most likely is.
type utf8Fallback struct{}

func (utf8Fallback) Reset() {}

func (utf8Fallback) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size == 1 {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			r = charmap.Windows1252.DecodeByte(c)
			if r == utf8.RuneError || r == 0xFFFD {
				r = '\uFFFD'
			}
			if nDst+utf8.RuneLen(r) > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], r)
			nSrc++
			continue
		}
		if nDst+size > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		copy(dst[nDst:], src[nSrc:nSrc+size])
		nDst += size
		nSrc += size
	}
	return nDst, nSrc, nil
}

// sniffDelimiter picks the delimiter that splits the first lines of the text
// into the most fields, the same number on most lines.
func sniffDelimiter(sample []byte) rune {
	best, bestScore := ',', 0
	for _, d := range []rune{',', ';', '\t', '|'} {
		r := csv.NewReader(bytes.NewReader(sample))
		r.Comma = d
		r.FieldsPerRecord = -1
		r.LazyQuotes = true
		counts := map[int]int{}
		for i := 0; i < 30; i++ {
			rec, err := r.Read()
			if err != nil {
				break
			}
			if len(rec) > 1 {
				counts[len(rec)]++
			}
		}
		for fields, lines := range counts {
			if score := lines * fields; score > bestScore {
				best, bestScore = d, score
			}
		}
	}
	return best
}

// csvSource reads delimited text and numbers its rows as a spreadsheet would.
type csvSource struct {
	r        *csv.Reader
	nextLine int // first line after the previous record
	rows     int // spreadsheet rows so far
}

func newCSVSource(text io.Reader, delim rune) *csvSource {
	r := csv.NewReader(text)
	r.Comma = delim
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	r.ReuseRecord = true
	return &csvSource{r: r, nextLine: 1}
}

func (s *csvSource) Next() (int, []string, error) {
	rec, err := s.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return s.rows + 1, nil, fmt.Errorf("line %d: %w", pe.Line, pe.Err)
		}
		return 0, nil, err
	}
	line, _ := s.r.FieldPos(0)
	// encoding/csv skips blank lines; a spreadsheet shows them as rows.
	if gap := line - s.nextLine; gap > 0 {
		s.rows += gap
	}
	s.rows++
	// The record ends on the line where its last field starts, plus the line
	// breaks inside that field.
	last, _ := s.r.FieldPos(len(rec) - 1)
	s.nextLine = last + 1 + strings.Count(rec[len(rec)-1], "\n")
	return s.rows, rec, nil
}
