package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"slices"
	"strings"

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
		// chunks. Commits stay durable: the log is synced at each.
		{"wal_autocheckpoint", 64 << 10},
	}
}

// importGroup is one address of a chunk with every row that named it.
type importGroup struct {
	key, email, name string
	tags             []string
	rows             []subscriber.ImportRow // in file order
	pending          bool                   // a row says the person never confirmed
	unsubscribed     bool                   // a row says the person left

	id         int64 // the subscriber, once known
	newID      int64 // the ID offered when inserting
	existed    bool  // stored before this chunk
	oldName    string
	state      subscriber.State // of the subscription, "" for none
	oldTags    []string
	suppressed bool
}

// skipped reports whether the group is left out whatever the subscriber
// table holds: its address is suppressed, or the file says the person left.
func (g *importGroup) skipped() bool { return g.suppressed || g.unsubscribed }

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

// importTx runs fn in a durable write transaction on the write connection
// with importPragmas. The connection's own settings are put back before it
// serves anything else; one whose settings cannot be put back is closed.
func (s *Store) importTx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	pragmas := importPragmas()
	old := make([]int64, len(pragmas))
	for i, p := range pragmas {
		if err := conn.QueryRowContext(ctx, `PRAGMA `+p.name).Scan(&old[i]); err != nil {
			return err
		}
	}
	defer func() {
		restore := context.WithoutCancel(ctx)
		for i, p := range pragmas {
			if _, e := conn.ExecContext(restore, fmt.Sprintf(`PRAGMA %s = %d`, p.name, old[i])); e != nil {
				conn.Raw(func(any) error { return driver.ErrBadConn })
				err = errors.Join(err, e)
				return
			}
		}
	}()
	// Holding the only write connection guards s.relaxed.
	if s.relaxed {
		if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = FULL`); err != nil {
			return err
		}
		s.relaxed = false
	}
	for _, p := range pragmas {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA %s = %d`, p.name, p.value)); err != nil {
			return err
		}
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// groupImportRows merges the rows of a chunk by address, in key order, and
// the rows of one address in file order. Rows come from the importer
// sorted by key, which is checked rather than assumed.
func groupImportRows(rows []subscriber.ImportRow) []importGroup {
	keys := make([]string, len(rows))
	sorted := true
	for i, r := range rows {
		keys[i] = subscriber.EmailKey(r.Email)
		if i > 0 && keys[i] < keys[i-1] {
			sorted = false
		}
	}
	if !sorted {
		order := make([]int, len(rows))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(keys[a], keys[b]) })
		sortedRows, sortedKeys := make([]subscriber.ImportRow, len(rows)), make([]string, len(rows))
		for i, j := range order {
			sortedRows[i], sortedKeys[i] = rows[j], keys[j]
		}
		rows, keys = sortedRows, sortedKeys
	}
	groups := make([]importGroup, 0, len(rows))
	for i := 0; i < len(rows); {
		j := i + 1
		for j < len(rows) && keys[j] == keys[i] {
			j++
		}
		g := importGroup{key: keys[i], email: rows[i].Email, rows: rows[i:j]}
		for _, r := range g.rows {
			if g.name == "" {
				g.name = r.Name
			}
			g.tags = mergeTags(g.tags, r.Tags)
			g.pending = g.pending || r.Pending
			g.unsubscribed = g.unsubscribed || r.Unsubscribed
		}
		groups = append(groups, g)
		i = j
	}
	return groups
}

// mergeTags returns tags with those of more it lacks added. Neither
// slice is written to, so that the first row's tags can be taken as they
// are.
func mergeTags(tags, more []string) []string {
	if tags == nil && !hasRepeat(more) {
		return more
	}
	for _, t := range more {
		if !slices.Contains(tags, t) {
			tags = append(slices.Clip(tags), t)
		}
	}
	return tags
}

func hasRepeat(s []string) bool {
	for i, v := range s {
		if slices.Contains(s[:i], v) {
			return true
		}
	}
	return false
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

// insertSubscribers stores the addresses not stored yet and finds the rest
// with their subscription to the newsletter.
func insertSubscribers(ctx context.Context, tx *sql.Tx, newsletterID int64, groups []importGroup, at int64) error {
	var next int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) + 1 FROM subscriber`).Scan(&next); err != nil {
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
		head:  `INSERT OR IGNORE INTO subscriber (id, email, email_key, name, created_at) SELECT column1, column2, column3, column4, ? FROM (VALUES `,
		row:   `(?, ?, ?, ?)`,
		tail:  `)`,
		fixed: []any{at},
	}, len(todo), func(i int, args []any) []any {
		g := todo[i]
		return append(args, g.newID, g.email, g.key, g.name)
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

// idRange is a run of new subscribers whose IDs lie from first to last,
// all given the same state. The range may hold IDs that were offered and
// not taken: those rows do not exist, so a statement over the range never
// meets them.
type idRange struct {
	first, last int64
	confirmed   bool
}

// importPlan is what applyImport writes.
type importPlan struct {
	ranges []idRange // new subscribers
	// Addresses stored before.
	subs     []*importGroup // without a subscription
	upgrades []*importGroup // pending, to be confirmed
	consents []*importGroup // given a subscription or an upgrade
	named    []*importGroup // given a name
	// Everyone's.
	tagIDs []int64
	tags   []string
}

// applyImport decides each address by subscriber.ImportState and writes the
// subscriptions, consent records, names and tags that follow.
func applyImport(ctx context.Context, tx *sql.Tx, newsletterID int64, groups []importGroup, opts subscriber.ImportOptions, res *subscriber.ImportResult) error {
	p := planImport(groups, opts, res)
	at := ms(opts.At)
	consentOf := func(confirmed bool) (string, string) {
		o := opts
		o.Confirmed = confirmed
		action, wording := o.Consent()
		return string(action), wording
	}
	if len(p.ranges) > 0 {
		sub, err := tx.PrepareContext(ctx, `INSERT INTO subscription (subscriber_id, newsletter_id, state, created_at, updated_at)
			SELECT id, ?, ?, ?, ? FROM subscriber WHERE id BETWEEN ? AND ?`)
		if err != nil {
			return err
		}
		defer sub.Close()
		consent, err := tx.PrepareContext(ctx, `INSERT INTO consent (subscriber_id, newsletter_id, action, at, source, wording, ip)
			SELECT id, ?, ?, ?, ?, ?, '' FROM subscriber WHERE id BETWEEN ? AND ?`)
		if err != nil {
			return err
		}
		defer consent.Close()
		for _, r := range p.ranges {
			state := subscriber.Pending
			if r.confirmed {
				state = subscriber.Confirmed
			}
			if _, err := sub.ExecContext(ctx, newsletterID, string(state), at, at, r.first, r.last); err != nil {
				return err
			}
			action, wording := consentOf(r.confirmed)
			if _, err := consent.ExecContext(ctx, newsletterID, action, at, opts.Source, wording, r.first, r.last); err != nil {
				return err
			}
		}
	}
	err := exec(ctx, tx, bulkQuery{
		head: `INSERT INTO subscription (subscriber_id, newsletter_id, state, created_at, updated_at)
			SELECT column1, ?, column2, ?, ? FROM (VALUES `,
		row: `(?, ?)`, tail: `)`, fixed: []any{newsletterID, at, at},
	}, len(p.subs), func(i int, args []any) []any {
		next, _ := subscriber.ImportState("", opts.Confirmed && !p.subs[i].pending)
		return append(args, p.subs[i].id, string(next))
	}, nil)
	if err != nil {
		return err
	}
	err = exec(ctx, tx, bulkQuery{
		head: `UPDATE subscription SET state = 'confirmed', updated_at = ?
			WHERE newsletter_id = ? AND state = 'pending' AND subscriber_id IN (`,
		row: `?`, tail: `)`, fixed: []any{at, newsletterID},
	}, len(p.upgrades), func(i int, args []any) []any { return append(args, p.upgrades[i].id) }, nil)
	if err != nil {
		return err
	}
	err = exec(ctx, tx, bulkQuery{
		head: `INSERT INTO consent (subscriber_id, newsletter_id, action, at, source, wording, ip)
			SELECT column1, ?, column2, ?, ?, column3, '' FROM (VALUES `,
		row: `(?, ?, ?)`, tail: `)`, fixed: []any{newsletterID, at, opts.Source},
	}, len(p.consents), func(i int, args []any) []any {
		action, wording := consentOf(opts.Confirmed && !p.consents[i].pending)
		return append(args, p.consents[i].id, action, wording)
	}, nil)
	if err != nil {
		return err
	}
	err = exec(ctx, tx, bulkQuery{
		head: `UPDATE subscriber SET name = v.column2 FROM (VALUES `,
		row:  `(?, ?)`, tail: `) AS v WHERE subscriber.id = v.column1 AND subscriber.name = ''`,
	}, len(p.named), func(i int, args []any) []any { return append(args, p.named[i].id, p.named[i].name) }, nil)
	if err != nil {
		return err
	}
	return exec(ctx, tx, bulkQuery{
		head: `INSERT OR IGNORE INTO subscriber_tag (subscriber_id, tag) VALUES `,
		row:  `(?, ?)`,
	}, len(p.tags), func(i int, args []any) []any { return append(args, p.tagIDs[i], p.tags[i]) }, nil)
}

// planImport decides each address by subscriber.ImportState, counts it in
// res and lists what is to be written.
func planImport(groups []importGroup, opts subscriber.ImportOptions, res *subscriber.ImportResult) importPlan {
	var p importPlan
	skip := func(g *importGroup, reason string) {
		for _, r := range g.rows {
			res.Skips = append(res.Skips, subscriber.RowError{Line: r.Line, Reason: reason})
		}
		res.Skipped += len(g.rows)
	}
	for i := range groups {
		g := &groups[i]
		switch {
		case g.suppressed:
			skip(g, subscriber.ReasonSuppressed)
			continue
		case g.unsubscribed:
			skip(g, subscriber.ReasonUnsubscribedFile)
			continue
		}
		confirmed := opts.Confirmed && !g.pending
		next, ok := subscriber.ImportState(g.state, confirmed)
		if !ok {
			skip(g, subscriber.ReasonUnsubscribed)
			continue
		}
		changed := false
		switch {
		case !g.existed:
			if n := len(p.ranges); n > 0 && p.ranges[n-1].confirmed == confirmed {
				p.ranges[n-1].last = g.id
			} else {
				p.ranges = append(p.ranges, idRange{g.id, g.id, confirmed})
			}
		case next != g.state:
			if g.state == "" {
				p.subs = append(p.subs, g)
			} else {
				p.upgrades = append(p.upgrades, g)
			}
			p.consents = append(p.consents, g)
			changed = true
		}
		if g.existed && g.oldName == "" && g.name != "" {
			p.named = append(p.named, g)
			changed = true
		}
		for _, t := range g.tags {
			if !slices.Contains(g.oldTags, t) {
				p.tagIDs, p.tags = append(p.tagIDs, g.id), append(p.tags, t)
				changed = true
			}
		}
		switch {
		case !g.existed:
			res.Imported++
			res.Merged += len(g.rows) - 1
		case g.id > opts.Since:
			res.Merged += len(g.rows)
		case changed:
			res.Updated++
			res.Merged += len(g.rows) - 1
		default:
			res.Unchanged++
			res.Merged += len(g.rows) - 1
		}
	}
	return p
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
