package subscriber

import (
	"bufio"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// FuzzCSVReaderAgreesWithEncodingCSV: wherever encoding/csv reads a file
// without fault, the import's reader gives the same records on the same
// lines; where it finds a fault, the import's reader finds one too, in the
// same record.
func FuzzCSVReaderAgreesWithEncodingCSV(f *testing.F) {
	for _, s := range []string{
		"email,name\na@example.org,Ann\n",
		"email\r\n\r\nb@example.org\r\n",
		"email,name\n\"c@example.org\",\"Cy, \"\"the\"\" third\"\n",
		"email,name\n\"d@example.org\",\"two\nlines\"\nx,y",
		"email\n\"e@example.org\n",
		"email\ne@exa\"mple.org\nf@example.org\n",
		"email\n\"g\"h\n",
		"a,b\n\"x\r\ny\",\"\"\n,\n",
		"\n\n\"\"\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := csv.NewReader(strings.NewReader(s))
		want.FieldsPerRecord = -1
		got := &csvReader{br: bufio.NewReaderSize(strings.NewReader(s), 64), max: MaxImportRow}
		for {
			record, werr := want.Read()
			fields, start, _, gerr := got.read()
			if werr == io.EOF {
				if gerr != io.EOF {
					t.Fatalf("%q: encoding/csv is at the end; the import's reader gives %q, %v", s, fields, gerr)
				}
				return
			}
			if werr != nil {
				var re *RowError
				var fe *FileError
				if !errors.As(gerr, &re) && !errors.As(gerr, &fe) {
					t.Fatalf("%q: encoding/csv finds %v; the import's reader gives %q, %v", s, werr, fields, gerr)
				}
				return
			}
			wantLine, _ := want.FieldPos(0)
			if gerr != nil || !slices.Equal(fields, record) || start != wantLine {
				t.Fatalf("%q: encoding/csv reads %q on line %d; the import's reader %q on line %d, %v", s, record, wantLine, fields, start, gerr)
			}
		}
	})
}
