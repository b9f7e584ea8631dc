package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"herald/internal/subscriber"
)

// importGroup is one address of a chunk with every row that named it.
type importGroup struct {
	key, email, name string
	tags             []string
	lines            []int
	pending          bool // a row says the person never confirmed
	unsubscribed     bool // a row says the person left

	id         int64 // the subscriber, once known
	existed    bool  // stored before this chunk
	oldName    string
	state      subscriber.State // of the subscription, "" for none
	oldTags    []string
	suppressed bool
}

// LastSubscriberID is the highest subscriber ID stored, 0 for none.
func (s *Store) LastSubscriberID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM subscriber`).Scan(&id); err != nil {
		return 0, fmt.Errorf("postgres: last subscriber: %w", err)
	}
	return id, nil
}

// ImportSubscribers applies one chunk of an import in one transaction. Each
// step is one statement over arrays of the chunk's values, whatever its
// size; new addresses are inserted first, and only those already stored
// cost a look-up.
func (s *Store) ImportSubscribers(ctx context.Context, newsletterID int64, rows []subscriber.ImportRow, opts subscriber.ImportOptions) (subscriber.ImportResult, error) {
	var res subscriber.ImportResult
	groups := groupImportRows(rows)
	// In key order, new IDs follow the addresses' order, as in the SQLite
	// store, and two imports lock index entries in the same order.
	slices.SortFunc(groups, func(a, b *importGroup) int { return strings.Compare(a.key, b.key) })
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM newsletter WHERE id = $1)`, newsletterID).Scan(&ok); err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("newsletter %d does not exist", newsletterID)
		}
		if err := markSuppressed(ctx, tx, groups); err != nil {
			return err
		}
		if err := insertSubscribers(ctx, tx, newsletterID, groups, ms(opts.At)); err != nil {
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

func markSuppressed(ctx context.Context, tx pgx.Tx, groups []*importGroup) error {
	byKey := make(map[string]*importGroup, len(groups))
	keys := make([]string, len(groups))
	for i, g := range groups {
		byKey[g.key], keys[i] = g, g.key
	}
	rows, err := tx.Query(ctx, `SELECT email_key FROM suppression WHERE email_key = ANY($1)`, keys)
	if err != nil {
		return err
	}
	found, err := pgx.CollectRows(rows, pgx.RowTo[string])
	for _, key := range found {
		byKey[key].suppressed = true
	}
	return err
}

// insertSubscribers stores the addresses not stored yet and finds the rest
// with their subscription to the newsletter. An address another process
// stores meanwhile is found like one stored before.
func insertSubscribers(ctx context.Context, tx pgx.Tx, newsletterID int64, groups []*importGroup, at int64) error {
	byKey := make(map[string]*importGroup, len(groups))
	var emails, keys, names []string
	for _, g := range groups {
		if !g.suppressed && !g.unsubscribed {
			byKey[g.key] = g
			emails, keys, names = append(emails, g.email), append(keys, g.key), append(names, clean(g.name))
		}
	}
	if len(keys) == 0 {
		return nil
	}
	rows, err := tx.Query(ctx, `INSERT INTO subscriber (email, email_key, name, created_at)
		SELECT email, email_key, name, $4 FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[]) WITH ORDINALITY AS u (email, email_key, name, n)
		ORDER BY n
		ON CONFLICT (email_key) DO NOTHING
		RETURNING id, email_key`, emails, keys, names, at)
	if err != nil {
		return err
	}
	var id int64
	var key string
	_, err = pgx.ForEachRow(rows, []any{&id, &key}, func() error {
		byKey[key].id = id
		delete(byKey, key)
		return nil
	})
	if err != nil || len(byKey) == 0 {
		return err
	}
	// Some addresses were stored before: find them.
	keys = keys[:0]
	for key := range byKey {
		keys = append(keys, key)
	}
	rows, err = tx.Query(ctx, `SELECT s.id, s.email_key, s.name, coalesce(sp.state, '') FROM subscriber s
		LEFT JOIN subscription sp ON sp.subscriber_id = s.id AND sp.newsletter_id = $1
		WHERE s.email_key = ANY($2)`, newsletterID, keys)
	if err != nil {
		return err
	}
	var name, state string
	_, err = pgx.ForEachRow(rows, []any{&id, &key, &name, &state}, func() error {
		if g := byKey[key]; g != nil {
			g.id, g.existed, g.oldName, g.state = id, true, name, subscriber.State(state)
		}
		return nil
	})
	return err
}

// loadTags reads the tags of stored subscribers the file gives tags to.
func loadTags(ctx context.Context, tx pgx.Tx, groups []*importGroup) error {
	byID := map[int64]*importGroup{}
	var ids []int64
	for _, g := range groups {
		if g.existed && len(g.tags) > 0 {
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

// applyImport decides each address by subscriber.ImportState and writes the
// subscriptions, consent records, names and tags that follow.
func applyImport(ctx context.Context, tx pgx.Tx, newsletterID int64, groups []*importGroup, opts subscriber.ImportOptions, res *subscriber.ImportResult) error {
	var (
		subIDs, consentIDs, tagIDs, upgrades, namedIDs []int64
		subStates, actions, wordings, tags, names      []string
	)
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
				subIDs, subStates = append(subIDs, g.id), append(subStates, string(next))
			} else {
				upgrades = append(upgrades, g.id)
			}
			action, wording := o.Consent()
			consentIDs, actions, wordings = append(consentIDs, g.id), append(actions, string(action)), append(wordings, wording)
			changed = true
		}
		if g.existed && g.oldName == "" && g.name != "" {
			namedIDs, names = append(namedIDs, g.id), append(names, clean(g.name))
			changed = true
		}
		for _, t := range g.tags {
			if !slices.Contains(g.oldTags, t) {
				tagIDs, tags = append(tagIDs, g.id), append(tags, clean(t))
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
	b := &pgx.Batch{}
	if len(subIDs) > 0 {
		// A signup may have added the subscription since the look-up; it
		// stands.
		b.Queue(`INSERT INTO subscription (subscriber_id, newsletter_id, state, created_at, updated_at)
			SELECT id, $1, state, $2, $2 FROM unnest($3::BIGINT[], $4::TEXT[]) AS u (id, state)
			ON CONFLICT (subscriber_id, newsletter_id) DO NOTHING`, newsletterID, at, subIDs, subStates)
	}
	if len(consentIDs) > 0 {
		b.Queue(`INSERT INTO consent (subscriber_id, newsletter_id, action, at, source, wording, ip)
			SELECT id, $1, action, $2, $3, wording, '' FROM unnest($4::BIGINT[], $5::TEXT[], $6::TEXT[]) WITH ORDINALITY AS u (id, action, wording, n)
			ORDER BY n`, newsletterID, at, clean(opts.Source), consentIDs, actions, wordings)
	}
	if len(tagIDs) > 0 {
		b.Queue(`INSERT INTO subscriber_tag (subscriber_id, tag)
			SELECT id, tag FROM unnest($1::BIGINT[], $2::TEXT[]) AS u (id, tag)
			ON CONFLICT (subscriber_id, tag) DO NOTHING`, tagIDs, tags)
	}
	if len(upgrades) > 0 {
		b.Queue(`UPDATE subscription SET state = 'confirmed', updated_at = $1
			WHERE subscriber_id = ANY($2) AND newsletter_id = $3 AND state = 'pending'`, at, upgrades, newsletterID)
	}
	if len(namedIDs) > 0 {
		b.Queue(`UPDATE subscriber s SET name = u.name FROM unnest($1::BIGINT[], $2::TEXT[]) AS u (id, name)
			WHERE s.id = u.id AND s.name = ''`, namedIDs, names)
	}
	if b.Len() == 0 {
		return nil
	}
	return tx.SendBatch(ctx, b).Close()
}
