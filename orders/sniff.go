package orders

import (
	"errors"
	"io"
)

// sniffed is what the first pass learned about a file.
type sniffed struct {
	layout         *layout
	order          dateOrder
	ambiguousDates bool   // slash dates seen, none of which settles the order
	dateExample    string // one of them, for the warning
	mark           decimalMark
	currency       string
	scattered      bool // rows of one order are not all next to each other (found by the writer)
}

// sniff finds the header row and format, then reads the data to decide the
// day/month order and the decimal mark. It stops reading once both are
// settled, which in most files is within the first rows.
func sniff(src rowSource, want string, forced dateOrder) (*sniffed, error) {
	sn := &sniffed{}
	var err error
	sn.layout, err = findHeader(src, func(fields []string, row int) *layout {
		l := detectLayout(fields, want)
		if l != nil {
			l.header, l.headerRow = fields, row
		}
		return l
	})
	if err != nil {
		return nil, err
	}
	if sn.layout == nil {
		code := "import.unknownFormat"
		if want != "auto" {
			code = "import.notThisFormat"
		}
		return nil, &FileError{Code: code, Args: map[string]any{"Format": want, "Expected": expectedHeaders(want)}}
	}
	l := sn.layout
	sn.order = l.format.dateOrder
	if forced != orderUnknown {
		sn.order = forced
	}

	var dateCols, moneyCols []int
	for f := field(1); f < nFields; f++ {
		if f.isDate() {
			dateCols = append(dateCols, l.cols[f]...)
		}
		if f.isMoney() {
			moneyCols = append(moneyCols, l.cols[f]...)
		}
	}
	for _, cur := range l.colCur {
		if cur != "" && sn.currency == "" {
			sn.currency = cur
		}
	}
	dateSettled := sn.order != orderUnknown || len(dateCols) == 0
	markSettled := len(moneyCols) == 0
	slashSeen, plainDates, plainMoney := false, 0, 0

	for !(dateSettled && markSettled) {
		_, fields, err := src.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if blankRow(fields) {
			continue
		}
		if !dateSettled {
			for _, i := range dateCols {
				if i >= len(fields) || !isSlashDate(fields[i]) {
					if i < len(fields) && fields[i] != "" {
						plainDates++
					}
					continue
				}
				slashSeen = true
				if sn.dateExample == "" {
					sn.dateExample = fields[i]
				}
				if o := slashDateEvidence(fields[i]); o != orderUnknown {
					sn.order, dateSettled = o, true
					break
				}
			}
			if !slashSeen && plainDates > 1000 {
				dateSettled = true // ISO dates throughout
			}
		}
		if !markSettled {
			for _, i := range moneyCols {
				if i >= len(fields) || fields[i] == "" {
					continue
				}
				if m := moneyMarkEvidence(fields[i]); m != markUnknown {
					sn.mark, markSettled = m, true
					break
				}
				plainMoney++
			}
			if plainMoney > 1000 {
				markSettled = true
			}
		}
	}
	if slashSeen && sn.order == orderUnknown {
		// Nothing in the file settles it: read day first (most of the shops
		// this serves) and say so, with an example, in the report.
		sn.order, sn.ambiguousDates = orderDMY, true
	}
	return sn, nil
}

// findHeader reads rows until detect recognizes one as the header row
// (given a copy of its fields and its row number), skipping blank rows and
// up to maxTitleRows rows above it (titles, export dates). nil: none.
func findHeader[L any](src rowSource, detect func(fields []string, row int) *L) (*L, error) {
	titleRows := 0
	for {
		row, fields, err := src.Next()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if blankRow(fields) {
			continue
		}
		if l := detect(append([]string(nil), fields...), row); l != nil {
			return l, nil
		}
		if titleRows++; titleRows >= maxTitleRows {
			return nil, nil
		}
	}
}
