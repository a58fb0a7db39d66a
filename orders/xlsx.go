package orders

import (
	"bytes"
	"errors"
	"io"
	"os"

	"github.com/xuri/excelize/v2"
)

// isXLSX looks for the zip signature that every .xlsx starts with; the name
// is not trusted (exports get renamed).
func isXLSX(f *os.File) bool {
	var sig [4]byte
	n, _ := f.ReadAt(sig[:], 0)
	return n == 4 && bytes.Equal(sig[:], []byte("PK\x03\x04"))
}

// xlsxSource streams the rows of the sheet the workbook opens on. Cells are
// read raw, so dates arrive as serial numbers and amounts without the sheet's
// display format.
type xlsxSource struct {
	f      *excelize.File
	rows   *excelize.Rows // nil: no sheet has rows
	primed bool           // rows.Next has already been called for the next row
	n      int
}

func openXLSX(path string) (rowSource, string, error) {
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, "", err
	}
	return newXLSXSource(f)
}

func openXLSXReader(r io.Reader) (rowSource, string, error) {
	f, err := excelize.OpenReader(r)
	if err != nil {
		return nil, "", err
	}
	return newXLSXSource(f)
}

func newXLSXSource(f *excelize.File) (rowSource, string, error) {
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		f.Close()
		return nil, "", errors.New("the workbook has no worksheet")
	}
	// The active sheet is the one the owner last looked at, and the one to
	// read; a chart or an empty sheet left active gives way to the first
	// sheet that has rows.
	order := make([]string, 0, len(sheets))
	if active := f.GetSheetName(f.GetActiveSheetIndex()); active != "" {
		order = append(order, active)
	}
	for _, s := range sheets {
		if len(order) == 0 || s != order[0] {
			order = append(order, s)
		}
	}
	var firstErr error
	for _, sheet := range order {
		rows, err := f.Rows(sheet)
		if err == nil && rows.Next() {
			return &xlsxSource{f: f, rows: rows, primed: true}, "xlsx\x00xlsx", nil
		}
		if err == nil {
			err = rows.Error()
			rows.Close()
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		f.Close()
		return nil, "", firstErr
	}
	return &xlsxSource{f: f}, "xlsx\x00xlsx", nil
}

func (s *xlsxSource) Next() (int, []string, error) {
	if s.rows == nil {
		return 0, nil, io.EOF
	}
	if s.primed {
		s.primed = false
	} else if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return 0, nil, err
		}
		return 0, nil, io.EOF
	}
	s.n++
	cols, err := s.rows.Columns(excelize.Options{RawCellValue: true})
	if err != nil {
		return s.n, nil, err
	}
	return s.n, cols, nil
}

func (s *xlsxSource) Close() error {
	if s.rows != nil {
		s.rows.Close()
	}
	return s.f.Close()
}
