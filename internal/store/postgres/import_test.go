package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"herald/internal/subscriber"
)

// When the store refuses part of an import written by several writers at
// once, Run stops with the store's error and counts only the chunks before
// it; importing the file again is safe and completes it.
func TestImportStopsAtARefusedChunk(t *testing.T) {
	ctx := context.Background()
	st, conn := openWithConn(t)
	if _, err := conn.Exec(ctx, `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN
			IF NEW.email_key = 'refused@example.org' THEN RAISE EXCEPTION 'refused'; END IF;
			RETURN NEW;
		END $$;
		CREATE TRIGGER refuse BEFORE INSERT ON subscriber FOR EACH ROW EXECUTE FUNCTION refuse()`); err != nil {
		t.Fatal(err)
	}
	// Chunks of 10 rows: the refused address is in the fourth.
	var file strings.Builder
	file.WriteString("email\n")
	for i := range 100 {
		if i == 35 {
			file.WriteString("refused@example.org\n")
			continue
		}
		fmt.Fprintf(&file, "p%02d@example.org\n", i)
	}
	r, err := subscriber.NewImportReader(strings.NewReader(file.String()))
	if err != nil {
		t.Fatal(err)
	}
	var chunks []int
	im := &subscriber.Importer{
		Store: st, NewsletterID: 1, ChunkSize: 10, Workers: 3,
		Options: subscriber.ImportOptions{Source: "import t.csv", At: time.Now()},
		OnChunk: func(total subscriber.ImportResult) { chunks = append(chunks, total.Read) },
	}
	res, err := im.Run(ctx, r)
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("Run = %+v, %v; want the trigger's error", res, err)
	}
	if res.Read != 30 || res.Imported != 30 || len(chunks) != 3 {
		t.Errorf("Run counted %+v after chunks %v; want the first three chunks, 30 rows", res, chunks)
	}
	var refused int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM subscriber WHERE email_key = 'refused@example.org'`).Scan(&refused); err != nil {
		t.Fatal(err)
	}
	if refused != 0 {
		t.Errorf("the refused address was stored")
	}
	// Writers of later parts may have stored theirs; importing the file
	// again stores the rest and changes nothing else.
	if _, err := conn.Exec(ctx, `DROP TRIGGER refuse ON subscriber`); err != nil {
		t.Fatal(err)
	}
	r, err = subscriber.NewImportReader(strings.NewReader(file.String()))
	if err != nil {
		t.Fatal(err)
	}
	im.OnChunk = nil
	again, err := im.Run(ctx, r)
	if err != nil {
		t.Fatalf("Run again = %v", err)
	}
	var stored int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM subscriber`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored != 100 || again.Read != 100 || again.Imported+again.Unchanged != 100 || again.Unchanged < 30 {
		t.Errorf("after importing again: %d stored, result %+v; want all 100, the first 30 unchanged", stored, again)
	}
}
