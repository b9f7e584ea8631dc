package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"herald/internal/delivery"
	"herald/internal/subscriber"
)

// Newsletters lists every newsletter, oldest first.
func (s *Store) Newsletters(ctx context.Context) ([]subscriber.Newsletter, error) {
	rows, err := s.query(ctx, `SELECT id, slug, name, description, sender_name, sender_email,
		reply_to, language, created_at, digest, digest_time, digest_weekday, timezone, last_digest_at, digest_from
		FROM newsletter ORDER BY id LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: newsletters: %w", err)
	}
	defer rows.Close()
	var list []subscriber.Newsletter
	for rows.Next() {
		var n subscriber.Newsletter
		var created, last, from int64
		if err := rows.Scan(&n.ID, &n.Slug, &n.Name, &n.Description, &n.SenderName, &n.SenderEmail,
			&n.ReplyTo, &n.Language, &created, &n.Digest, &n.DigestTime, &n.DigestWeekday, &n.Timezone, &last, &from); err != nil {
			return nil, fmt.Errorf("sqlite: newsletters: %w", err)
		}
		n.CreatedAt, n.LastDigestAt, n.DigestFrom = fromMS(created), fromMS(last), fromMS(from)
		list = append(list, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: newsletters: %w", err)
	}
	return list, nil
}

// RecordSignups applies a group of signups in one transaction. The group
// is cut into runs of at most signupRun signups in which no address
// repeats, usually just one; each run is five statements over VALUES lists,
// whatever its size, and the runs apply in order, so a signup sees what an
// earlier signup of the same address did, as if each were applied alone.
func (s *Store) RecordSignups(ctx context.Context, batch []subscriber.Signup, confirmEvery time.Duration) error {
	st, err := s.signupStatements(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: record signups: %w", err)
	}
	err = s.tx(ctx, func(tx *sql.Tx) error {
		for start := 0; start < len(batch); {
			end, seen := start, map[string]bool{}
			for end < len(batch) && end-start < signupRun && !seen[subscriber.EmailKey(batch[end].Email)] {
				seen[subscriber.EmailKey(batch[end].Email)] = true
				end++
			}
			if err := recordSignupRun(ctx, tx, st, batch[start:end], confirmEvery); err != nil {
				return err
			}
			start = end
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: record signups: %w", err)
	}
	return nil
}

// signupRun is the most rows one signup statement takes; longer lists are
// cut into pieces of this size.
const signupRun = 16

// signupStatement is one statement of RecordSignups: its VALUES list r
// has the columns named, one row per ? group.
type signupStatement struct {
	cols string
	body string
	n    int // values per row
}

var signupStatementTexts = [5]signupStatement{
	// New subscribers get their IDs in signup order; every one of the run
	// comes back with its ID.
	{"email, email_key, name, language, at", `INSERT INTO subscriber (email, email_key, name, language, created_at)
		SELECT email, email_key, name, language, at FROM r WHERE true
		ON CONFLICT (email_key) DO UPDATE SET email_key = excluded.email_key
		RETURNING id, email_key, confirm_sent_at`, 5},
	// A confirmed subscription stays as it is; an unknown newsletter is
	// passed over.
	{"subscriber_id, newsletter_id, at", `INSERT INTO subscription (subscriber_id, newsletter_id, state, created_at, updated_at)
		SELECT r.subscriber_id, nl.id, 'pending', r.at, r.at FROM r JOIN newsletter nl ON nl.id = r.newsletter_id WHERE true
		ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE SET state = 'pending', updated_at = excluded.updated_at
		WHERE subscription.state = 'unsubscribed'`, 3},
	{"subscriber_id, newsletter_id, at, source, wording, ip", `INSERT INTO consent (subscriber_id, newsletter_id, action, at, source, wording, ip)
		SELECT r.subscriber_id, nl.id, 'signup', r.at, r.source, r.wording, r.ip FROM r JOIN newsletter nl ON nl.id = r.newsletter_id`, 6},
	// Mail only when something is left to confirm and the address may be
	// mailed at all.
	{"subscriber_id, recipient, at, email_key", `INSERT INTO delivery (kind, priority, subscriber_id, recipient, state, next_attempt_at, created_at)
		SELECT '` + string(delivery.KindConfirm) + `', ` + fmt.Sprint(delivery.PriorityTransactional) + `, r.subscriber_id, r.recipient, 'queued', r.at, r.at FROM r
		WHERE EXISTS (SELECT 1 FROM subscription WHERE subscriber_id = r.subscriber_id AND state = 'pending')
			AND NOT EXISTS (SELECT 1 FROM suppression WHERE email_key = r.email_key)
		RETURNING subscriber_id, created_at`, 4},
	{"id, at", `UPDATE subscriber SET confirm_sent_at = r.at FROM r WHERE subscriber.id = r.id`, 2},
}

// signupStatements returns the statements of RecordSignups for every
// list size up to signupRun, preparing them on first use: inside the
// transaction the one write connection is taken.
func (s *Store) signupStatements(ctx context.Context) (*signupStmts, error) {
	s.mu.Lock()
	st := s.signupStmts
	s.mu.Unlock()
	if st != nil {
		return st, nil
	}
	st = new(signupStmts)
	for i, t := range signupStatementTexts {
		for n := 1; n <= signupRun; n++ {
			var err error
			if st[i][n], err = s.prepared(ctx, s.write, "WITH r ("+t.cols+") AS (VALUES "+placeholders(n, t.n)+") "+t.body); err != nil {
				return nil, err
			}
		}
	}
	s.mu.Lock()
	s.signupStmts = st
	s.mu.Unlock()
	return st, nil
}

// signupStmts holds the statements of RecordSignups by statement and by
// the number of rows they take.
type signupStmts [5][signupRun + 1]*sql.Stmt

// execRows runs statement i for rows, signupRun rows at a time, and hands
// each row it returns to scan.
func execRows(ctx context.Context, tx *sql.Tx, st *signupStmts, i int, rows [][]any, scan func(*sql.Rows) error) error {
	for len(rows) > 0 {
		n := min(len(rows), signupRun)
		args := make([]any, 0, n*signupStatementTexts[i].n)
		for _, r := range rows[:n] {
			args = append(args, r...)
		}
		rows = rows[n:]
		stmt := tx.StmtContext(ctx, st[i][n])
		if scan == nil {
			if _, err := stmt.ExecContext(ctx, args...); err != nil {
				return err
			}
			continue
		}
		res, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		for res.Next() {
			if err := scan(res); err != nil {
				res.Close()
				return err
			}
		}
		if err := res.Close(); err != nil {
			return err
		}
		if err := res.Err(); err != nil {
			return err
		}
	}
	return nil
}

// recordSignupRun applies a run of signups of distinct addresses.
func recordSignupRun(ctx context.Context, tx *sql.Tx, st *signupStmts, run []subscriber.Signup, confirmEvery time.Duration) error {
	subs := make([][]any, len(run))
	for i, in := range run {
		subs[i] = []any{in.Email, subscriber.EmailKey(in.Email), clean(in.Name), clean(in.Language), ms(in.At)}
	}
	type known struct{ id, confirmSent int64 }
	ids := make(map[string]known, len(run))
	err := execRows(ctx, tx, st, 0, subs, func(rows *sql.Rows) error {
		var k known
		var key string
		if err := rows.Scan(&k.id, &key, &k.confirmSent); err != nil {
			return err
		}
		ids[key] = k
		return nil
	})
	if err != nil {
		return err
	}
	var joins, consents, mails [][]any
	for _, in := range run {
		key := subscriber.EmailKey(in.Email)
		k, ok := ids[key]
		if !ok {
			return fmt.Errorf("subscriber %s was not stored", in.Email)
		}
		at := ms(in.At)
		joined := map[int64]bool{}
		for _, nl := range in.Newsletters {
			// A newsletter named twice is joined once, and its consent
			// kept twice.
			if !joined[nl] {
				joined[nl] = true
				joins = append(joins, []any{k.id, nl, at})
			}
			consents = append(consents, []any{k.id, nl, at, clean(in.Source), clean(in.Wording), clean(in.IP)})
		}
		if k.confirmSent == 0 || in.At.Sub(fromMS(k.confirmSent)) >= confirmEvery {
			mails = append(mails, []any{k.id, in.Email, at, key})
		}
	}
	if err := execRows(ctx, tx, st, 1, joins, nil); err != nil {
		return err
	}
	if err := execRows(ctx, tx, st, 2, consents, nil); err != nil {
		return err
	}
	var sent [][]any
	err = execRows(ctx, tx, st, 3, mails, func(rows *sql.Rows) error {
		var id, at int64
		if err := rows.Scan(&id, &at); err != nil {
			return err
		}
		sent = append(sent, []any{id, at})
		return nil
	})
	if err != nil {
		return err
	}
	return execRows(ctx, tx, st, 4, sent, nil)
}

// SubscriberByID returns a subscriber with its subscriptions.
func (s *Store) SubscriberByID(ctx context.Context, id int64) (subscriber.Subscriber, error) {
	var sub subscriber.Subscriber
	var created int64
	err := s.queryRow(ctx, `SELECT id, email, name, language, created_at FROM subscriber WHERE id = ?`, id).
		Scan(&sub.ID, &sub.Email, &sub.Name, &sub.Language, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return sub, subscriber.ErrNotFound
	}
	if err != nil {
		return sub, fmt.Errorf("sqlite: subscriber %d: %w", id, err)
	}
	sub.CreatedAt = fromMS(created)
	list := []subscriber.Subscriber{sub}
	if err := s.fillSubscriptions(ctx, list); err != nil {
		return sub, err
	}
	return list[0], nil
}

// ListSubscribers returns up to limit subscribers with IDs above afterID.
func (s *Store) ListSubscribers(ctx context.Context, afterID int64, limit int) ([]subscriber.Subscriber, error) {
	rows, err := s.query(ctx, `SELECT id, email, name, language, created_at FROM subscriber
		WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list subscribers: %w", err)
	}
	defer rows.Close()
	var list []subscriber.Subscriber
	for rows.Next() {
		var sub subscriber.Subscriber
		var created int64
		if err := rows.Scan(&sub.ID, &sub.Email, &sub.Name, &sub.Language, &created); err != nil {
			return nil, fmt.Errorf("sqlite: list subscribers: %w", err)
		}
		sub.CreatedAt = fromMS(created)
		list = append(list, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list subscribers: %w", err)
	}
	return list, s.fillSubscriptions(ctx, list)
}

func (s *Store) fillSubscriptions(ctx context.Context, list []subscriber.Subscriber) error {
	if len(list) == 0 {
		return nil
	}
	index := make(map[int64]int, len(list))
	for i, sub := range list {
		index[sub.ID] = i
	}
	rows, err := s.query(ctx, `SELECT sp.subscriber_id, sp.newsletter_id, n.slug, sp.state, sp.updated_at
		FROM subscription sp JOIN newsletter n ON n.id = sp.newsletter_id
		WHERE sp.subscriber_id BETWEEN ? AND ? ORDER BY sp.subscriber_id, sp.newsletter_id`,
		list[0].ID, list[len(list)-1].ID)
	if err != nil {
		return fmt.Errorf("sqlite: subscriptions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid int64
		var sp subscriber.Subscription
		var state string
		var upd int64
		if err := rows.Scan(&sid, &sp.NewsletterID, &sp.NewsletterSlug, &state, &upd); err != nil {
			return fmt.Errorf("sqlite: subscriptions: %w", err)
		}
		sp.State, sp.UpdatedAt = subscriber.State(state), fromMS(upd)
		if i, ok := index[sid]; ok {
			list[i].Subscriptions = append(list[i].Subscriptions, sp)
		}
	}
	return rows.Err()
}

// ConfirmSubscriber confirms every pending subscription of id and returns
// the newsletters whose subscription it confirmed: of several calls at
// once, only one confirms each.
func (s *Store) ConfirmSubscriber(ctx context.Context, id int64, c subscriber.Consent) ([]subscriber.Newsletter, error) {
	at := ms(c.At)
	var changed []int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		changed, err = updateStates(ctx, tx, `UPDATE subscription SET state = 'confirmed', updated_at = ?
			WHERE subscriber_id = ? AND state = 'pending' RETURNING newsletter_id`, at, id)
		if err != nil {
			return err
		}
		if err := addConsents(ctx, tx, c, changed); err != nil {
			return err
		}
		if len(changed) == 0 {
			var known bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM subscriber WHERE id = ?)`, id).Scan(&known); err != nil {
				return err
			}
			if !known {
				return subscriber.ErrNotFound
			}
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO delivery (kind, priority, subscriber_id, recipient, state, next_attempt_at, created_at)
			SELECT ?, ?, id, email, 'queued', ?, ? FROM subscriber WHERE id = ?
			AND NOT EXISTS (SELECT 1 FROM suppression WHERE email_key = subscriber.email_key)`,
			string(delivery.KindWelcome), delivery.PriorityTransactional, at, at, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: confirm subscriber %d: %w", id, err)
	}
	all, err := s.Newsletters(ctx)
	if err != nil {
		return nil, err
	}
	var out []subscriber.Newsletter
	for _, n := range all {
		if slices.Contains(changed, n.ID) {
			out = append(out, n)
		}
	}
	return out, nil
}

// UnsubscribeSubscriber ends subscriptions of id: one newsletter, or all.
// It returns the newsletters whose subscription it ended, in ascending
// order: of several calls at once, only one ends each.
func (s *Store) UnsubscribeSubscriber(ctx context.Context, id, newsletterID int64, c subscriber.Consent) ([]int64, error) {
	var changed []int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		changed, err = updateStates(ctx, tx, `UPDATE subscription SET state = 'unsubscribed', updated_at = ?
			WHERE subscriber_id = ? AND (newsletter_id = ? OR ? = 0) AND state <> 'unsubscribed'
			RETURNING newsletter_id`, ms(c.At), id, newsletterID, newsletterID)
		if err != nil {
			return err
		}
		slices.Sort(changed)
		return addConsents(ctx, tx, c, changed)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: unsubscribe subscriber %d: %w", id, err)
	}
	return changed, nil
}

func updateStates(ctx context.Context, tx *sql.Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

func addConsents(ctx context.Context, tx *sql.Tx, c subscriber.Consent, newsletters []int64) error {
	for _, nl := range newsletters {
		if _, err := tx.ExecContext(ctx, `INSERT INTO consent (subscriber_id, newsletter_id, action, at, source, wording, ip)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, c.SubscriberID, nl, string(c.Action), ms(c.At), c.Source, c.Wording, c.IP); err != nil {
			return err
		}
	}
	return nil
}

// Consents returns a subscriber's consent history, oldest first.
func (s *Store) Consents(ctx context.Context, subscriberID int64) ([]subscriber.Consent, error) {
	rows, err := s.query(ctx, `SELECT subscriber_id, newsletter_id, action, at, source, wording, ip
		FROM consent WHERE subscriber_id = ? ORDER BY id LIMIT 10000`, subscriberID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: consents: %w", err)
	}
	defer rows.Close()
	var list []subscriber.Consent
	for rows.Next() {
		var c subscriber.Consent
		var action string
		var at int64
		if err := rows.Scan(&c.SubscriberID, &c.NewsletterID, &action, &at, &c.Source, &c.Wording, &c.IP); err != nil {
			return nil, fmt.Errorf("sqlite: consents: %w", err)
		}
		c.Action, c.At = subscriber.ConsentAction(action), fromMS(at)
		list = append(list, c)
	}
	return list, rows.Err()
}

// IsSuppressed reports whether mail to the address must not be sent.
func (s *Store) IsSuppressed(ctx context.Context, email string) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT count(*) FROM suppression WHERE email_key = ?`, subscriber.EmailKey(email)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("sqlite: suppression: %w", err)
	}
	return n > 0, nil
}
