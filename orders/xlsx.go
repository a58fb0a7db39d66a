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

// xlsxSource streams the first worksheet's rows. Cells are read raw, so dates
// arrive as serial numbers and amounts without the sheet's display format.
type xlsxSource struct {
	f    *excelize.File
	rows *excelize.Rows
	n    int
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
	sheet := f.GetSheetName(f.GetActiveSheetIndex())
	if sheet == "" {
		sheet = sheets[0]
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, "", err
	}
	return &xlsxSource{f: f, rows: rows}, "xlsx\x00xlsx", nil
}

func (s *xlsxSource) Next() (int, []string, error) {
	if !s.rows.Next() {
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
	s.rows.Close()
	return s.f.Close()
}
