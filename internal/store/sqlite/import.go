package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"herald/internal/subscriber"
)

// importBatch is how many rows one multi-row statement carries: enough to
// spread the cost of a statement thin, far below SQLite's limit of 32,766
// parameters.
const importBatch = 500

// pragma is a setting of an SQLite connection.
type pragma struct {
	name  string
	value int64
}

// importPragmas are the settings of the write connection while it imports
// a chunk.
func importPragmas() []pragma {
	return []pragma{
		// Every row an import writes refers to a newsletter it checked
		// or to a subscriber it inserted or found in the same
		// transaction: checking foreign keys would repeat those searches
		// for each subscription, consent record and tag.
		{"foreign_keys", 0},
		// New addresses land all over the email_key index, so a chunk
		// rewrites most of its pages. A checkpoint after each chunk
		// would copy them into the database file each time; one per
		// 64 Ki pages (256 MiB) of log copies them once for several
		// chunks. Commits stay durable: the log is flushed at each.
		{"wal_autocheckpoint", 64 << 10},
	}
}

// importGroup is one address of a chunk with every row that named it.
type importGroup struct {
	key, email, name string
	language         string // the first the rows give
	tags             []string
	rows             []subscriber.ImportRow // in file order
	pending          bool                   // a row says the person never confirmed
	unsubscribed     bool                   // a row says the person left

	id         int64 // the subscriber, once known
	newID      int64 // the ID offered when inserting
	existed    bool  // stored before this chunk
	oldName    string
	oldLang    string
	state      subscriber.State // of the subscription, "" for none
	oldTags    []string
	suppressed bool

	change subscriber.ImportChange // what planImport decided
}

// address is the group as subscriber.ImportAddress has it.
func (g *importGroup) address() subscriber.ImportAddress {
	return subscriber.ImportAddress{Rows: g.rows, Name: g.name, Language: g.language, Tags: g.tags,
		Pending: g.pending, Unsubscribed: g.unsubscribed}
}

// newLanguage is the language the group gets if it is stored anew.
func (g *importGroup) newLanguage(opts subscriber.ImportOptions) string {
	return g.address().NewLanguage(opts)
}

// skipped reports whether the group is left out whatever the subscriber
// table holds: its address is suppressed, or the file says the person left.
func (g *importGroup) skipped() bool { return g.suppressed || g.unsubscribed }

// ImportWorkers is 1: SQLite has one writer, so a second chunk would only
// wait for the first.
func (s *Store) ImportWorkers() int { return 1 }

// LastSubscriberID is the highest subscriber ID stored, 0 for none.
func (s *Store) LastSubscriberID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.read.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM subscriber`).Scan(&id); err != nil {
		return 0, fmt.Errorf("sqlite: last subscriber: %w", err)
	}
	return id, nil
}

// ImportSubscribers applies one chunk of an import in one transaction. New
// addresses are inserted in multi-row statements with IDs chosen here (the
// transaction holds the write lock), in key order; their subscriptions and
// consent records are then copied from the subscriber table by ID range,
// with nothing to bind. Only addresses already stored cost a look-up.
func (s *Store) ImportSubscribers(ctx context.Context, newsletterID int64, rows []subscriber.ImportRow, opts subscriber.ImportOptions) (subscriber.ImportResult, error) {
	var res subscriber.ImportResult
	groups := groupImportRows(rows)
	at := ms(opts.At)
	err := s.importTx(ctx, func(tx *sql.Tx) error {
		var ok bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM newsletter WHERE id = ?)`, newsletterID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("newsletter %d does not exist", newsletterID)
		}
		if err := markSuppressed(ctx, tx, groups); err != nil {
			return err
		}
		if err := insertSubscribers(ctx, tx, newsletterID, groups, at, opts); err != nil {
			return err
		}
		if err := loadTags(ctx, tx, groups); err != nil {
			return err
		}
		return applyImport(ctx, tx, newsletterID, groups, opts, &res)
	})
	if err != nil {
		return subscriber.ImportResult{}, fmt.Errorf("sqlite: import subscribers: %w", err)
	}
	return res, nil
}

// importTx runs fn in a durable write transaction on the write connection
// with importPragmas.
func (s *Store) importTx(ctx context.Context, fn func(*sql.Tx) error) error {
	n, err := s.commit(ctx, importPragmas(), fn)
	if err != nil {
		return err
	}
	return s.wal.wait(n)
}

// setPragmas sets pragmas on conn and returns what puts the old values
// back. A connection whose settings cannot be put back is closed, so it
// serves nothing else with them.
func setPragmas(ctx context.Context, conn *sql.Conn, pragmas []pragma) (restore func() error, err error) {
	old := make([]int64, len(pragmas))
	for i, p := range pragmas {
		if err := conn.QueryRowContext(ctx, `PRAGMA `+p.name).Scan(&old[i]); err != nil {
			return nil, err
		}
	}
	restore = func() error {
		ctx := context.WithoutCancel(ctx)
		for i, p := range pragmas {
			if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA %s = %d`, p.name, old[i])); err != nil {
				conn.Raw(func(any) error { return driver.ErrBadConn })
				return err
			}
		}
		return nil
	}
	for _, p := range pragmas {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA %s = %d`, p.name, p.value)); err != nil {
			return nil, errors.Join(err, restore())
		}
	}
	return restore, nil
}

// groupImportRows merges the rows of a chunk by address, in key order (see
// subscriber.GroupImportRows).
func groupImportRows(rows []subscriber.ImportRow) []importGroup {
	addrs := subscriber.GroupImportRows(rows)
	groups := make([]importGroup, len(addrs))
	for i, a := range addrs {
		groups[i] = importGroup{key: a.Key, email: a.Email, name: a.Name, language: a.Language, tags: a.Tags, rows: a.Rows,
			pending: a.Pending, unsubscribed: a.Unsubscribed}
	}
	return groups
}

// markSuppressed finds the addresses that must never be mailed. The list is
// usually empty, and then costs one look.
func markSuppressed(ctx context.Context, tx *sql.Tx, groups []importGroup) error {
	var some bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM suppression)`).Scan(&some); err != nil {
		return err
	}
	if !some {
		return nil
	}
	byKey := make(map[string]*importGroup, len(groups))
	for i := range groups {
		byKey[groups[i].key] = &groups[i]
	}
	return query(ctx, tx, bulkQuery{head: `SELECT email_key FROM suppression WHERE email_key IN (`, row: `?`, tail: `)`},
		len(groups), func(i int, args []any) []any { return append(args, groups[i].key) },
		func(rows *sql.Rows) error {
			var key string
			if err := rows.Scan(&key); err != nil {
				return err
			}
			byKey[key].suppressed = true
			return nil
		})
}

// insertSubscribers stores the addresses not stored yet, each in its
// rows' language or else the import's, and finds the rest with their
// subscription to the newsletter.
func insertSubscribers(ctx context.Context, tx *sql.Tx, newsletterID int64, groups []importGroup, at int64, opts subscriber.ImportOptions) error {
	var next int64
	// Above every ID ever given, those of erased people included: the
	// table's AUTOINCREMENT sequence remembers them.
	if err := tx.QueryRowContext(ctx, `SELECT max(coalesce((SELECT max(id) FROM subscriber), 0),
		coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'subscriber'), 0)) + 1`).Scan(&next); err != nil {
		return err
	}
	first := next
	var todo []*importGroup
	for i := range groups {
		if g := &groups[i]; !g.skipped() {
			g.newID, g.id, next = next, next, next+1
			todo = append(todo, g)
		}
	}
	// OR IGNORE, not ON CONFLICT: a statement that cannot fail needs no
	// statement journal, which costs a copy of every page it touches. The
	// only conflict possible is a stored address.
	var short [][]*importGroup
	err := exec(ctx, tx, bulkQuery{
		head:  `INSERT OR IGNORE INTO subscriber (id, email, email_key, name, created_at, language) SELECT column1, column2, column3, column4, ?, column5 FROM (VALUES `,
		row:   `(?, ?, ?, ?, ?)`,
		tail:  `)`,
		fixed: []any{at},
	}, len(todo), func(i int, args []any) []any {
		g := todo[i]
		return append(args, g.newID, g.email, g.key, g.name, clean(g.newLanguage(opts)))
	}, func(from, to int, inserted int64) {
		if inserted < int64(to-from) {
			short = append(short, todo[from:to])
		}
	})
	if err != nil || len(short) == 0 {
		return err
	}
	// Some addresses of these batches were stored before: the IDs offered
	// to them are the ones missing from the table. A walk along the IDs
	// of each batch finds them, before the addresses are looked up (a
	// search in the index each).
	var found []*importGroup
	for _, batch := range short {
		missing, err := notInserted(ctx, tx, batch)
		if err != nil {
			return err
		}
		found = append(found, missing...)
	}
	byKey := make(map[string]*importGroup, len(found))
	for _, g := range found {
		byKey[g.key] = g
	}
	return query(ctx, tx, bulkQuery{
		// Only what was stored before this chunk; "+" keeps the planner
		// on the email_key index.
		head: `SELECT s.id, s.email_key, s.name, s.language, coalesce(sp.state, '') FROM subscriber s
			LEFT JOIN subscription sp ON sp.subscriber_id = s.id AND sp.newsletter_id = ?
			WHERE +s.id < ? AND s.email_key IN (`,
		row:   `?`,
		tail:  `)`,
		fixed: []any{newsletterID, first},
	}, len(found), func(i int, args []any) []any { return append(args, found[i].key) },
		func(rows *sql.Rows) error {
			var id int64
			var key, name, language, state string
			if err := rows.Scan(&id, &key, &name, &language, &state); err != nil {
				return err
			}
			if g := byKey[key]; g != nil {
				g.id, g.existed, g.oldName, g.oldLang, g.state = id, true, name, language, subscriber.State(state)
			}
			return nil
		})
}

// notInserted returns those of batch, whose offered IDs ascend, whose
// offered ID was not taken.
func notInserted(ctx context.Context, tx *sql.Tx, batch []*importGroup) ([]*importGroup, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM subscriber WHERE id BETWEEN ? AND ? ORDER BY id`,
		batch[0].newID, batch[len(batch)-1].newID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var missing []*importGroup
	i := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		for ; i < len(batch) && batch[i].newID < id; i++ {
			missing = append(missing, batch[i])
		}
		if i < len(batch) && batch[i].newID == id {
			i++
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return append(missing, batch[i:]...), nil
}

// loadTags reads the tags of stored subscribers the file gives tags to.
func loadTags(ctx context.Context, tx *sql.Tx, groups []importGroup) error {
	byID := map[int64]*importGroup{}
	var ids []int64
	for i := range groups {
		if g := &groups[i]; g.existed && len(g.tags) > 0 {
			byID[g.id] = g
			ids = append(ids, g.id)
		}
	}
	return query(ctx, tx, bulkQuery{head: `SELECT subscriber_id, tag FROM subscriber_tag WHERE subscriber_id IN (`, row: `?`, tail: `)`},
		len(ids), func(i int, args []any) []any { return append(args, ids[i]) },
		func(rows *sql.Rows) error {
			var id int64
			var tag string
			if err := rows.Scan(&id, &tag); err != nil {
				return err
			}
			byID[id].oldTags = append(byID[id].oldTags, tag)
			return nil
		})
}
