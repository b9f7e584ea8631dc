package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"herald/internal/subscriber"
)

// importBatch is how many rows one multi-row statement carries: enough to
// spread the cost of a statement thin, far below SQLite's limit of 32,766
// parameters.
const importBatch = 500

// importGroup is one address of a chunk with every row that named it.
type importGroup struct {
	key, email, name string
	tags             []string
	lines            []int
	pending          bool // a row says the person never confirmed
	unsubscribed     bool // a row says the person left

	id         int64 // the subscriber, once known
	newID      int64 // the ID offered when inserting
	existed    bool  // stored before this chunk
	oldName    string
	state      subscriber.State // of the subscription, "" for none
	oldTags    []string
	suppressed bool
}

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
// transaction holds the write lock), so only a batch in which some address
// already existed costs a look-up.
func (s *Store) ImportSubscribers(ctx context.Context, newsletterID int64, rows []subscriber.ImportRow, opts subscriber.ImportOptions) (subscriber.ImportResult, error) {
	var res subscriber.ImportResult
	groups := groupImportRows(rows)
	// In key order, each page of the email_key index is written once per
	// chunk, and new IDs, given in the same order, append to every table.
	slices.SortFunc(groups, func(a, b *importGroup) int { return strings.Compare(a.key, b.key) })
	at := ms(opts.At)
	err := s.tx(ctx, func(tx *sql.Tx) error {
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
		if err := insertSubscribers(ctx, tx, newsletterID, groups, at); err != nil {
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

// groupImportRows merges the rows of a chunk by address, in file order.
func groupImportRows(rows []subscriber.ImportRow) []*importGroup {
	index := make(map[string]*importGroup, len(rows))
	groups := make([]*importGroup, 0, len(rows))
	for _, r := range rows {
		key := subscriber.EmailKey(r.Email)
		g := index[key]
		if g == nil {
			g = &importGroup{key: key, email: r.Email, name: r.Name, tags: r.Tags}
			index[key] = g
			groups = append(groups, g)
		} else {
			if g.name == "" {
				g.name = r.Name
			}
			for _, t := range r.Tags {
				if !slices.Contains(g.tags, t) {
					g.tags = append(g.tags, t)
				}
			}
		}
		g.lines = append(g.lines, r.Line)
		g.pending = g.pending || r.Pending
		g.unsubscribed = g.unsubscribed || r.Unsubscribed
	}
	return groups
}

// markSuppressed finds the addresses that must never be mailed. The list is
// usually empty, and then costs one look.
func markSuppressed(ctx context.Context, tx *sql.Tx, groups []*importGroup) error {
	var some bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM suppression)`).Scan(&some); err != nil {
		return err
	}
	if !some {
		return nil
	}
	byKey := make(map[string]*importGroup, len(groups))
	for _, g := range groups {
		byKey[g.key] = g
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

// insertSubscribers stores the addresses not stored yet and finds the rest
// with their subscription to the newsletter.
func insertSubscribers(ctx context.Context, tx *sql.Tx, newsletterID int64, groups []*importGroup, at int64) error {
	var next int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM subscriber`).Scan(&next); err != nil {
		return err
	}
	first := next
	var todo []*importGroup
	for _, g := range groups {
		if !g.suppressed && !g.unsubscribed {
			g.newID, g.id, next = next, next, next+1
			todo = append(todo, g)
		}
	}
	// OR IGNORE, not ON CONFLICT: a statement that cannot fail needs no
	// statement journal, which costs a copy of every page it touches. The
	// only conflict possible is a stored address; one that went missing
	// for any other reason would fail the foreign keys further on.
	var found []*importGroup
	err := exec(ctx, tx, bulkQuery{
		head:  `INSERT OR IGNORE INTO subscriber (id, email, email_key, name, created_at) SELECT column1, column2, column3, column4, ? FROM (VALUES `,
		row:   `(?, ?, ?, ?)`,
		tail:  `)`,
		fixed: []any{at},
	}, len(todo), func(i int, args []any) []any {
		g := todo[i]
		return append(args, g.newID, g.email, g.key, g.name)
	}, func(from, to int, inserted int64) {
		if inserted < int64(to-from) {
			found = append(found, todo[from:to]...)
		}
	})
	if err != nil || len(found) == 0 {
		return err
	}
	// Some addresses of these batches were stored before. The IDs offered
	// to them are the ones missing from the table; find those (a walk
	// along the table) before looking the addresses up (a search each).
	found, err = notInserted(ctx, tx, found)
	if err != nil {
		return err
	}
	byKey := make(map[string]*importGroup, len(found))
	for _, g := range found {
		byKey[g.key] = g
	}
	return query(ctx, tx, bulkQuery{
		// Only what was stored before this chunk; "+" keeps the planner
		// on the email_key index.
		head: `SELECT s.id, s.email_key, s.name, coalesce(sp.state, '') FROM subscriber s
			LEFT JOIN subscription sp ON sp.subscriber_id = s.id AND sp.newsletter_id = ?
			WHERE +s.id < ? AND s.email_key IN (`,
		row:   `?`,
		tail:  `)`,
		fixed: []any{newsletterID, first},
	}, len(found), func(i int, args []any) []any { return append(args, found[i].key) },
		func(rows *sql.Rows) error {
			var id int64
			var key, name, state string
			if err := rows.Scan(&id, &key, &name, &state); err != nil {
				return err
			}
			if g := byKey[key]; g != nil {
				g.id, g.existed, g.oldName, g.state = id, true, name, subscriber.State(state)
			}
			return nil
		})
}

// notInserted returns those of groups whose offered ID was not taken.
func notInserted(ctx context.Context, tx *sql.Tx, groups []*importGroup) ([]*importGroup, error) {
	byID := make(map[int64]*importGroup, len(groups))
	for _, g := range groups {
		byID[g.newID] = g
	}
	var missing []*importGroup
	for from := 0; from < len(groups); from += importBatch {
		// A window is one batch of the insert, whose groups were offered
		// consecutive IDs; membership is checked by ID all the same.
		to := min(from+importBatch, len(groups))
		rows, err := tx.QueryContext(ctx, `WITH RECURSIVE offered (id) AS (SELECT ? UNION ALL SELECT id + 1 FROM offered WHERE id < ?)
			SELECT id FROM offered WHERE NOT EXISTS (SELECT 1 FROM subscriber WHERE subscriber.id = offered.id)`,
			groups[from].newID, groups[to-1].newID)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			if g := byID[id]; g != nil {
				missing = append(missing, g)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return missing, nil
}

// loadTags reads the tags of stored subscribers the file gives tags to.
func loadTags(ctx context.Context, tx *sql.Tx, groups []*importGroup) error {
	byID := map[int64]*importGroup{}
	var ids []int64
	for _, g := range groups {
		if g.existed && len(g.tags) > 0 {
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

// applyImport decides each address by subscriber.ImportState and writes the
// subscriptions, consent records, names and tags that follow.
func applyImport(ctx context.Context, tx *sql.Tx, newsletterID int64, groups []*importGroup, opts subscriber.ImportOptions, res *subscriber.ImportResult) error {
	type subRow struct {
		id    int64
		state subscriber.State
	}
	type consentRow struct {
		id              int64
		action, wording string
	}
	type tagRow struct {
		id  int64
		tag string
	}
	var subs []subRow
	var consents []consentRow
	var tags []tagRow
	var upgrades, named []*importGroup
	skip := func(g *importGroup, reason string) {
		for _, l := range g.lines {
			res.Skips = append(res.Skips, subscriber.RowError{Line: l, Reason: reason})
		}
		res.Skipped += len(g.lines)
	}
	for _, g := range groups {
		switch {
		case g.suppressed:
			skip(g, subscriber.ReasonSuppressed)
			continue
		case g.unsubscribed:
			skip(g, subscriber.ReasonUnsubscribedFile)
			continue
		}
		o := opts
		o.Confirmed = opts.Confirmed && !g.pending
		next, ok := subscriber.ImportState(g.state, o.Confirmed)
		if !ok {
			skip(g, subscriber.ReasonUnsubscribed)
			continue
		}
		changed := false
		if next != g.state {
			if g.state == "" {
				subs = append(subs, subRow{g.id, next})
			} else {
				upgrades = append(upgrades, g)
			}
			action, wording := o.Consent()
			consents = append(consents, consentRow{g.id, string(action), wording})
			changed = true
		}
		if g.existed && g.oldName == "" && g.name != "" {
			named = append(named, g)
			changed = true
		}
		for _, t := range g.tags {
			if !slices.Contains(g.oldTags, t) {
				tags = append(tags, tagRow{g.id, t})
				changed = true
			}
		}
		switch {
		case !g.existed:
			res.Imported++
			res.Merged += len(g.lines) - 1
		case g.id > opts.Since:
			res.Merged += len(g.lines)
		case changed:
			res.Updated++
			res.Merged += len(g.lines) - 1
		default:
			res.Unchanged++
			res.Merged += len(g.lines) - 1
		}
	}
	at := ms(opts.At)
	err := exec(ctx, tx, bulkQuery{
		head: `INSERT INTO subscription (subscriber_id, newsletter_id, state, created_at, updated_at)
			SELECT column1, ?, column2, ?, ? FROM (VALUES `,
		row: `(?, ?)`, tail: `)`, fixed: []any{newsletterID, at, at},
	}, len(subs), func(i int, args []any) []any { return append(args, subs[i].id, string(subs[i].state)) }, nil)
	if err != nil {
		return err
	}
	err = exec(ctx, tx, bulkQuery{
		head: `INSERT INTO consent (subscriber_id, newsletter_id, action, at, source, wording, ip)
			SELECT column1, ?, column2, ?, ?, column3, '' FROM (VALUES `,
		row: `(?, ?, ?)`, tail: `)`, fixed: []any{newsletterID, at, opts.Source},
	}, len(consents), func(i int, args []any) []any {
		return append(args, consents[i].id, consents[i].action, consents[i].wording)
	}, nil)
	if err != nil {
		return err
	}
	err = exec(ctx, tx, bulkQuery{
		head: `INSERT INTO subscriber_tag (subscriber_id, tag) VALUES `,
		row:  `(?, ?)`, tail: ` ON CONFLICT (subscriber_id, tag) DO NOTHING`,
	}, len(tags), func(i int, args []any) []any { return append(args, tags[i].id, tags[i].tag) }, nil)
	if err != nil {
		return err
	}
	for _, g := range upgrades {
		if _, err := tx.ExecContext(ctx, `UPDATE subscription SET state = 'confirmed', updated_at = ?
			WHERE subscriber_id = ? AND newsletter_id = ? AND state = 'pending'`, at, g.id, newsletterID); err != nil {
			return err
		}
	}
	for _, g := range named {
		if _, err := tx.ExecContext(ctx, `UPDATE subscriber SET name = ? WHERE id = ? AND name = ''`, g.name, g.id); err != nil {
			return err
		}
	}
	return nil
}

// bulkQuery is a statement whose row part repeats: head, row, row, …, tail.
// fixed holds the values of the placeholders in head.
type bulkQuery struct {
	head, row, tail string
	fixed           []any
}

func (q bulkQuery) text(n int) string {
	var b strings.Builder
	b.WriteString(q.head)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(q.row)
	}
	b.WriteString(q.tail)
	return b.String()
}

// bulk runs q over count rows, importBatch rows a statement; fill appends
// the values of row i.
func bulk(ctx context.Context, tx *sql.Tx, q bulkQuery, count int, fill func(i int, args []any) []any,
	run func(st *sql.Stmt, from, to int, args []any) error) error {
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, len(q.fixed)+min(count, importBatch)*strings.Count(q.row, "?"))
	for from := 0; from < count; from += importBatch {
		to := min(from+importBatch, count)
		args = append(args[:0], q.fixed...)
		for i := from; i < to; i++ {
			args = fill(i, args)
		}
		st := full
		if to-from < importBatch || full == nil {
			var err error
			if st, err = tx.PrepareContext(ctx, q.text(to-from)); err != nil {
				return err
			}
			if to-from == importBatch {
				full = st
			} else {
				defer st.Close()
			}
		}
		if err := run(st, from, to, args); err != nil {
			return err
		}
	}
	return nil
}

// exec runs a bulk write; done, if set, hears how many rows each batch
// changed.
func exec(ctx context.Context, tx *sql.Tx, q bulkQuery, count int, fill func(i int, args []any) []any, done func(from, to int, changed int64)) error {
	return bulk(ctx, tx, q, count, fill, func(st *sql.Stmt, from, to int, args []any) error {
		r, err := st.ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		if done != nil {
			n, err := r.RowsAffected()
			if err != nil {
				return err
			}
			done(from, to, n)
		}
		return nil
	})
}

// query runs a bulk read, calling scan for every row found.
func query(ctx context.Context, tx *sql.Tx, q bulkQuery, count int, fill func(i int, args []any) []any, scan func(*sql.Rows) error) error {
	return bulk(ctx, tx, q, count, fill, func(st *sql.Stmt, _, _ int, args []any) error {
		rows, err := st.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
}
