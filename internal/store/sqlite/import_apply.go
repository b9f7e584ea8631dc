package sqlite

import (
	"context"
	"database/sql"

	"herald/internal/subscriber"
)

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
	langs    []*importGroup // given a language
	// Everyone's.
	tagIDs []int64
	tags   []string
}

// applyImport decides each address by subscriber.ImportState and writes the
// subscriptions, consent records, names, languages and tags that follow.
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
		return append(args, p.subs[i].id, string(p.subs[i].change.Subscribe))
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
		c := p.consents[i].change
		return append(args, p.consents[i].id, string(c.Consent), c.Wording)
	}, nil)
	if err != nil {
		return err
	}
	err = exec(ctx, tx, bulkQuery{
		head: `UPDATE subscriber SET name = v.column2 FROM (VALUES `,
		row:  `(?, ?)`, tail: `) AS v WHERE subscriber.id = v.column1 AND subscriber.name = ''`,
	}, len(p.named), func(i int, args []any) []any { return append(args, p.named[i].id, p.named[i].change.Name) }, nil)
	if err != nil {
		return err
	}
	err = exec(ctx, tx, bulkQuery{
		head: `UPDATE subscriber SET language = v.column2 FROM (VALUES `,
		row:  `(?, ?)`, tail: `) AS v WHERE subscriber.id = v.column1 AND subscriber.language = ''`,
	}, len(p.langs), func(i int, args []any) []any {
		return append(args, p.langs[i].id, clean(p.langs[i].change.Language))
	}, nil)
	if err != nil {
		return err
	}
	return exec(ctx, tx, bulkQuery{
		head: `INSERT OR IGNORE INTO subscriber_tag (subscriber_id, tag) VALUES `,
		row:  `(?, ?)`,
	}, len(p.tags), func(i int, args []any) []any { return append(args, p.tagIDs[i], p.tags[i]) }, nil)
}

// planImport decides each address by subscriber.ImportAddress.Decide,
// counts it in res and lists what is to be written.
func planImport(groups []importGroup, opts subscriber.ImportOptions, res *subscriber.ImportResult) importPlan {
	var p importPlan
	for i := range groups {
		g := &groups[i]
		found := subscriber.ImportFound{Suppressed: g.suppressed, Stored: g.existed, ID: g.id, Name: g.oldName,
			Language: g.oldLang, State: g.state, Tags: g.oldTags}
		c := g.address().Decide(found, opts, res)
		if c.Skip != "" {
			continue
		}
		g.change = c
		switch confirmed := c.Subscribe == subscriber.Confirmed; {
		case !g.existed:
			if n := len(p.ranges); n > 0 && p.ranges[n-1].confirmed == confirmed {
				p.ranges[n-1].last = g.id
			} else {
				p.ranges = append(p.ranges, idRange{g.id, g.id, confirmed})
			}
		case c.Subscribe != "":
			if g.state == "" {
				p.subs = append(p.subs, g)
			} else {
				p.upgrades = append(p.upgrades, g)
			}
			p.consents = append(p.consents, g)
		}
		if g.existed && c.Name != "" {
			p.named = append(p.named, g)
		}
		if g.existed && c.Language != "" {
			p.langs = append(p.langs, g)
		}
		for _, t := range c.Tags {
			p.tagIDs, p.tags = append(p.tagIDs, g.id), append(p.tags, t)
		}
	}
	return p
}
