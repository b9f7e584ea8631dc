package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"herald/internal/subscriber"
)

// importGroup is one address of a chunk with every row that named it.
type importGroup struct {
	key, email, name string
	language         string // the first the rows give
	tags             []string
	rows             []subscriber.ImportRow // in file order
	pending          bool                   // a row says the person never confirmed
	unsubscribed     bool                   // a row says the person left

	inserted   bool  // stored by this chunk, with its subscription, consent and tags
	id         int64 // the subscriber, when stored before
	existed    bool  // stored before this chunk
	oldName    string
	oldLang    string
	state      subscriber.State // of the subscription, "" for none
	oldTags    []string
	suppressed bool
}

// ImportWorkers is 2: the server writes each chunk in a process of its own,
// and its time per chunk, not Herald's, sets the pace of an import.
func (s *Store) ImportWorkers() int { return 2 }

// LastSubscriberID is the highest subscriber ID stored, 0 for none.
func (s *Store) LastSubscriberID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM subscriber`).Scan(&id); err != nil {
		return 0, fmt.Errorf("postgres: last subscriber: %w", err)
	}
	return id, nil
}

// ImportSubscribers applies one chunk of an import in one transaction. The
// chunk is copied (COPY) into a temporary table, and each step is then one
// statement over that table, whatever the chunk's size: new addresses are
// inserted first, with their subscriptions, consent records and tags, and
// only those already stored come back to be looked up and updated.
func (s *Store) ImportSubscribers(ctx context.Context, newsletterID int64, rows []subscriber.ImportRow, opts subscriber.ImportOptions) (subscriber.ImportResult, error) {
	var res subscriber.ImportResult
	groups := groupImportRows(rows)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM newsletter WHERE id = $1)`, newsletterID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("newsletter %d does not exist", newsletterID)
		}
		if err := stageImport(ctx, tx, groups, opts); err != nil {
			return err
		}
		if err := insertSubscribers(ctx, tx, newsletterID, groups, opts); err != nil {
			return err
		}
		if err := loadTags(ctx, tx, groups); err != nil {
			return err
		}
		return applyImport(ctx, tx, newsletterID, groups, opts, &res)
	})
	if err != nil {
		return subscriber.ImportResult{}, fmt.Errorf("postgres: import subscribers: %w", err)
	}
	return res, nil
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

// address is the group as subscriber.ImportAddress has it.
func (g *importGroup) address() subscriber.ImportAddress {
	return subscriber.ImportAddress{Rows: g.rows, Name: g.name, Language: g.language, Tags: g.tags,
		Pending: g.pending, Unsubscribed: g.unsubscribed}
}

// stageImport copies the groups the file does not leave out into a
// temporary table, import_row, and marks those whose address must never be
// mailed, taking them out of the table. The table goes with the
// transaction; being temporary, it is written without the write-ahead log.
func stageImport(ctx context.Context, tx pgx.Tx, groups []importGroup, opts subscriber.ImportOptions) error {
	if _, err := tx.Exec(ctx, `CREATE TEMPORARY TABLE import_row (
		n         INTEGER PRIMARY KEY,
		email     TEXT    NOT NULL,
		email_key TEXT    NOT NULL,
		name      TEXT    NOT NULL,
		language  TEXT    NOT NULL,
		tags      TEXT[],
		confirmed BOOLEAN NOT NULL
	) ON COMMIT DROP`); err != nil {
		return err
	}
	var staged []int32
	for i := range groups {
		if !groups[i].unsubscribed {
			staged = append(staged, int32(i))
		}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_row"}, []string{"n", "email", "email_key", "name", "language", "tags", "confirmed"},
		pgx.CopyFromSlice(len(staged), func(i int) ([]any, error) {
			n := staged[i]
			g := &groups[n]
			tags := g.tags
			if slices.ContainsFunc(tags, needsClean) {
				tags = make([]string, len(g.tags))
				for j, t := range g.tags {
					tags[j] = clean(t)
				}
			}
			return []any{n, g.email, g.key, clean(g.name), clean(g.address().NewLanguage(opts)), tags, opts.Confirmed && !g.pending}, nil
		}))
	if err != nil {
		return err
	}
	rows, err := tx.Query(ctx, `DELETE FROM import_row r USING suppression s WHERE s.email_key = r.email_key RETURNING r.n`)
	if err != nil {
		return err
	}
	var n int32
	_, err = pgx.ForEachRow(rows, []any{&n}, func() error {
		groups[n].suppressed = true
		return nil
	})
	return err
}

// needsClean reports whether clean would change s.
func needsClean(s string) bool { return clean(s) != s }

// insertSubscribers stores the staged addresses not stored yet, with their
// subscriptions, consent records and tags, and finds the rest with their
// subscription to the newsletter. An address another process stores
// meanwhile is found like one stored before.
func insertSubscribers(ctx context.Context, tx pgx.Tx, newsletterID int64, groups []importGroup, opts subscriber.ImportOptions) error {
	at := ms(opts.At)
	pending, confirmed := opts, opts
	pending.Confirmed, confirmed.Confirmed = false, true
	signup, signupWording := pending.Consent()
	confirm, confirmWording := confirmed.Consent()
	// One statement: the rows of new subscribers follow from what the
	// insert returns, and what it passed over comes back. New IDs are
	// given in key order, the order of n. Foreign keys are checked at the
	// end of the statement, when the new subscribers are there.
	rows, err := tx.Query(ctx, `WITH new AS (
			INSERT INTO subscriber (email, email_key, name, created_at, language)
			SELECT email, email_key, name, $1, language FROM import_row ORDER BY n
			ON CONFLICT (email_key) DO NOTHING
			RETURNING id, email_key
		), added AS (
			SELECT new.id, r.n, r.confirmed, r.tags FROM new JOIN import_row r USING (email_key)
		), subscriptions AS (
			INSERT INTO subscription (subscriber_id, newsletter_id, state, created_at, updated_at)
			SELECT id, $2, CASE WHEN confirmed THEN $3 ELSE $4 END, $1, $1 FROM added
		), consents AS (
			INSERT INTO consent (subscriber_id, newsletter_id, action, at, source, wording, ip)
			SELECT id, $2, CASE WHEN confirmed THEN $5 ELSE $6 END, $1, $7, CASE WHEN confirmed THEN $8 ELSE $9 END, ''
			FROM added ORDER BY n
		), tagged AS (
			INSERT INTO subscriber_tag (subscriber_id, tag)
			SELECT id, unnest(tags) FROM added WHERE cardinality(tags) > 0
		)
		SELECT r.n FROM import_row r WHERE NOT EXISTS (SELECT 1 FROM new WHERE new.email_key = r.email_key)`,
		at, newsletterID, string(subscriber.Confirmed), string(subscriber.Pending),
		string(confirm), string(signup), clean(opts.Source), confirmWording, signupWording)
	if err != nil {
		return err
	}
	byKey := map[string]*importGroup{}
	var n int32
	_, err = pgx.ForEachRow(rows, []any{&n}, func() error {
		byKey[groups[n].key] = &groups[n]
		return nil
	})
	if err != nil {
		return err
	}
	for i := range groups {
		if g := &groups[i]; !g.suppressed && !g.unsubscribed && byKey[g.key] == nil {
			g.inserted = true
		}
	}
	if len(byKey) == 0 {
		return nil
	}
	// Some addresses were stored before: find them.
	keys := make([]string, 0, len(byKey))
	for key := range byKey {
		keys = append(keys, key)
	}
	rows, err = tx.Query(ctx, `SELECT s.id, s.email_key, s.name, s.language, coalesce(sp.state, '') FROM subscriber s
		LEFT JOIN subscription sp ON sp.subscriber_id = s.id AND sp.newsletter_id = $1
		WHERE s.email_key = ANY($2)`, newsletterID, keys)
	if err != nil {
		return err
	}
	var id int64
	var key, name, language, state string
	_, err = pgx.ForEachRow(rows, []any{&id, &key, &name, &language, &state}, func() error {
		if g := byKey[key]; g != nil {
			g.id, g.existed, g.oldName, g.oldLang, g.state = id, true, name, language, subscriber.State(state)
		}
		return nil
	})
	return err
}

// loadTags reads the tags of stored subscribers the file gives tags to.
func loadTags(ctx context.Context, tx pgx.Tx, groups []importGroup) error {
	byID := map[int64]*importGroup{}
	var ids []int64
	for i := range groups {
		if g := &groups[i]; g.existed && len(g.tags) > 0 {
			byID[g.id] = g
			ids = append(ids, g.id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `SELECT subscriber_id, tag FROM subscriber_tag WHERE subscriber_id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	var id int64
	var tag string
	_, err = pgx.ForEachRow(rows, []any{&id, &tag}, func() error {
		byID[id].oldTags = append(byID[id].oldTags, tag)
		return nil
	})
	return err
}

// importPlan is what applyImport writes for addresses stored before this
// chunk; new ones are written by insertSubscribers.
type importPlan struct {
	subIDs     []int64 // without a subscription
	subStates  []string
	upgrades   []int64 // pending subscriptions to confirm
	consentIDs []int64 // given a subscription or an upgrade
	actions    []string
	wordings   []string
	namedIDs   []int64
	names      []string
	langIDs    []int64
	langs      []string
	tagIDs     []int64 // tags new to them
	tags       []string
}

// applyImport decides each address by subscriber.ImportState and writes the
// subscriptions, consent records, names, languages and tags that follow
// for those stored before.
func applyImport(ctx context.Context, tx pgx.Tx, newsletterID int64, groups []importGroup, opts subscriber.ImportOptions, res *subscriber.ImportResult) error {
	p := planImport(groups, opts, res)
	at := ms(opts.At)
	b := &pgx.Batch{}
	if len(p.subIDs) > 0 {
		// A signup may have added the subscription since the look-up; it
		// stands.
		b.Queue(`INSERT INTO subscription (subscriber_id, newsletter_id, state, created_at, updated_at)
			SELECT id, $1, state, $2, $2 FROM unnest($3::BIGINT[], $4::TEXT[]) AS u (id, state)
			ON CONFLICT (subscriber_id, newsletter_id) DO NOTHING`, newsletterID, at, p.subIDs, p.subStates)
	}
	if len(p.consentIDs) > 0 {
		b.Queue(`INSERT INTO consent (subscriber_id, newsletter_id, action, at, source, wording, ip)
			SELECT id, $1, action, $2, $3, wording, '' FROM unnest($4::BIGINT[], $5::TEXT[], $6::TEXT[]) WITH ORDINALITY AS u (id, action, wording, n)
			ORDER BY n`, newsletterID, at, clean(opts.Source), p.consentIDs, p.actions, p.wordings)
	}
	if len(p.tagIDs) > 0 {
		b.Queue(`INSERT INTO subscriber_tag (subscriber_id, tag)
			SELECT id, tag FROM unnest($1::BIGINT[], $2::TEXT[]) AS u (id, tag)
			ON CONFLICT (subscriber_id, tag) DO NOTHING`, p.tagIDs, p.tags)
	}
	if len(p.upgrades) > 0 {
		b.Queue(`UPDATE subscription SET state = 'confirmed', updated_at = $1
			WHERE subscriber_id = ANY($2) AND newsletter_id = $3 AND state = 'pending'`, at, p.upgrades, newsletterID)
	}
	if len(p.namedIDs) > 0 {
		b.Queue(`UPDATE subscriber s SET name = u.name FROM unnest($1::BIGINT[], $2::TEXT[]) AS u (id, name)
			WHERE s.id = u.id AND s.name = ''`, p.namedIDs, p.names)
	}
	if len(p.langIDs) > 0 {
		b.Queue(`UPDATE subscriber s SET language = u.language FROM unnest($1::BIGINT[], $2::TEXT[]) AS u (id, language)
			WHERE s.id = u.id AND s.language = ''`, p.langIDs, p.langs)
	}
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, b).Close()
}

// planImport decides each address by subscriber.ImportAddress.Decide,
// counts it in res and lists what is to be written for those stored
// before; the new ones are written already.
func planImport(groups []importGroup, opts subscriber.ImportOptions, res *subscriber.ImportResult) importPlan {
	var p importPlan
	for i := range groups {
		g := &groups[i]
		found := subscriber.ImportFound{Suppressed: g.suppressed, Stored: !g.inserted, ID: g.id, Name: g.oldName,
			Language: g.oldLang, State: g.state, Tags: g.oldTags}
		c := g.address().Decide(found, opts, res)
		if c.Skip != "" || g.inserted {
			continue
		}
		if c.Subscribe != "" {
			if g.state == "" {
				p.subIDs, p.subStates = append(p.subIDs, g.id), append(p.subStates, string(c.Subscribe))
			} else {
				p.upgrades = append(p.upgrades, g.id)
			}
			p.consentIDs, p.actions, p.wordings = append(p.consentIDs, g.id), append(p.actions, string(c.Consent)), append(p.wordings, c.Wording)
		}
		if c.Name != "" {
			p.namedIDs, p.names = append(p.namedIDs, g.id), append(p.names, clean(c.Name))
		}
		if c.Language != "" {
			p.langIDs, p.langs = append(p.langIDs, g.id), append(p.langs, clean(c.Language))
		}
		for _, t := range c.Tags {
			p.tagIDs, p.tags = append(p.tagIDs, g.id), append(p.tags, clean(t))
		}
	}
	return p
}
