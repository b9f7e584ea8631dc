package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/internal/delivery"
	"herald/internal/subscriber"
)

// Newsletters lists every newsletter, oldest first.
func (s *Store) Newsletters(ctx context.Context) ([]subscriber.Newsletter, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, slug, name, description, sender_name, sender_email,
		reply_to, language, created_at, digest, digest_time, digest_weekday, timezone, last_digest_at, digest_from
		FROM newsletter ORDER BY id LIMIT 1000`)
	if err != nil {
		return nil, fmt.Errorf("postgres: newsletters: %w", err)
	}
	defer rows.Close()
	var list []subscriber.Newsletter
	for rows.Next() {
		var n subscriber.Newsletter
		var created, last, from int64
		if err := rows.Scan(&n.ID, &n.Slug, &n.Name, &n.Description, &n.SenderName, &n.SenderEmail,
			&n.ReplyTo, &n.Language, &created, &n.Digest, &n.DigestTime, &n.DigestWeekday, &n.Timezone, &last, &from); err != nil {
			return nil, fmt.Errorf("postgres: newsletters: %w", err)
		}
		n.CreatedAt, n.LastDigestAt, n.DigestFrom = fromMS(created), fromMS(last), fromMS(from)
		list = append(list, n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: newsletters: %w", err)
	}
	return list, nil
}

// The statements of a run of signups in which no address repeats. Each
// works on arrays of the run's values in signup order, so a batch costs a
// few statements whatever its size, and new subscribers, consent records
// and emails get their IDs in signup order.
const (
	signupSubscribers = `INSERT INTO subscriber (email, email_key, name, language, created_at)
		SELECT email, email_key, name, language, at
		FROM unnest($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::BIGINT[]) WITH ORDINALITY AS u (email, email_key, name, language, at, n)
		ORDER BY n
		ON CONFLICT (email_key) DO NOTHING`
	// A confirmed subscription stays as it is; an unknown newsletter is
	// passed over.
	signupSubscriptions = `INSERT INTO subscription (subscriber_id, newsletter_id, state, created_at, updated_at)
		SELECT s.id, nl.id, 'pending', u.at, u.at
		FROM unnest($1::TEXT[], $2::BIGINT[], $3::BIGINT[]) WITH ORDINALITY AS u (email_key, newsletter_id, at, n)
		JOIN subscriber s ON s.email_key = u.email_key JOIN newsletter nl ON nl.id = u.newsletter_id
		ORDER BY u.n
		ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE SET state = 'pending', updated_at = excluded.updated_at
		WHERE subscription.state = 'unsubscribed'`
	signupConsents = `INSERT INTO consent (subscriber_id, newsletter_id, action, at, source, wording, ip)
		SELECT s.id, nl.id, 'signup', u.at, u.source, u.wording, u.ip
		FROM unnest($1::TEXT[], $2::BIGINT[], $3::BIGINT[], $4::TEXT[], $5::TEXT[], $6::TEXT[])
			WITH ORDINALITY AS u (email_key, newsletter_id, at, source, wording, ip, n)
		JOIN subscriber s ON s.email_key = u.email_key JOIN newsletter nl ON nl.id = u.newsletter_id
		ORDER BY u.n`
	// The confirmation email is queued when something is pending, the
	// address is not suppressed and none was queued within the window.
	signupMail = `WITH due AS (
			SELECT s.id, u.email, u.at, u.n
			FROM unnest($1::TEXT[], $2::TEXT[], $3::BIGINT[]) WITH ORDINALITY AS u (email_key, email, at, n)
			JOIN subscriber s ON s.email_key = u.email_key
			WHERE NOT (s.confirm_sent_at > 0 AND u.at - s.confirm_sent_at < $4)
				AND EXISTS (SELECT 1 FROM subscription sp WHERE sp.subscriber_id = s.id AND sp.state = 'pending')
				AND NOT EXISTS (SELECT 1 FROM suppression x WHERE x.email_key = u.email_key)
		), queued AS (
			INSERT INTO delivery (kind, priority, subscriber_id, recipient, state, next_attempt_at, created_at)
			SELECT $5, $6, id, email, 'queued', at, at FROM due ORDER BY n
			RETURNING subscriber_id, created_at
		)
		UPDATE subscriber s SET confirm_sent_at = q.created_at FROM queued q WHERE s.id = q.subscriber_id`
)

// RecordSignups applies a group of signups in one transaction and one round
// trip. The batch is cut into runs in which no address repeats, usually
// just one; the runs apply in order, so a signup sees what an earlier
// signup of the same address did, as if each were applied alone.
func (s *Store) RecordSignups(ctx context.Context, batch []subscriber.Signup, confirmEvery time.Duration) error {
	if len(batch) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	// The statements find rows by their keys, which stays cheap however
	// large the tables grow; a plan cached while they were small (a new
	// database, before autovacuum has counted anything) would scan them
	// whole at every signup instead.
	b.Queue(`SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true)`)
	for start := 0; start < len(batch); {
		end, seen := start, map[string]bool{}
		for end < len(batch) && !seen[subscriber.EmailKey(batch[end].Email)] {
			seen[subscriber.EmailKey(batch[end].Email)] = true
			end++
		}
		queueSignups(b, batch[start:end], confirmEvery)
		start = end
	}
	// A batch is one implicit transaction: the server commits it at the
	// end or, at the first error, rolls all of it back. So a group costs
	// one round trip, without BEGIN and COMMIT of their own.
	if err := s.pool.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("postgres: record signups: %w", err)
	}
	return nil
}

// queueSignups adds the statements of a run of distinct addresses to b.
func queueSignups(b *pgx.Batch, run []subscriber.Signup, confirmEvery time.Duration) {
	var emails, keys, names, langs, spKeys, cKeys, sources, wordings, ips []string
	var ats, spNewsletters, spAts, cNewsletters, cAts []int64
	for _, in := range run {
		key, at := subscriber.EmailKey(in.Email), ms(in.At)
		emails, keys, names, ats = append(emails, in.Email), append(keys, key), append(names, clean(in.Name)), append(ats, at)
		langs = append(langs, clean(in.Language))
		joined := map[int64]bool{}
		for _, nl := range in.Newsletters {
			// A newsletter named twice is joined once, as one statement
			// may not change a row twice, and its consent kept twice.
			if !joined[nl] {
				joined[nl] = true
				spKeys, spNewsletters, spAts = append(spKeys, key), append(spNewsletters, nl), append(spAts, at)
			}
			cKeys, cNewsletters, cAts = append(cKeys, key), append(cNewsletters, nl), append(cAts, at)
			sources, wordings, ips = append(sources, clean(in.Source)), append(wordings, clean(in.Wording)), append(ips, clean(in.IP))
		}
	}
	b.Queue(signupSubscribers, emails, keys, names, langs, ats)
	if len(spKeys) > 0 {
		b.Queue(signupSubscriptions, spKeys, spNewsletters, spAts)
		b.Queue(signupConsents, cKeys, cNewsletters, cAts, sources, wordings, ips)
	}
	b.Queue(signupMail, keys, emails, ats, confirmEvery.Milliseconds(),
		string(delivery.KindConfirm), delivery.PriorityTransactional)
}

// SubscriberByID returns a subscriber with its subscriptions.
func (s *Store) SubscriberByID(ctx context.Context, id int64) (subscriber.Subscriber, error) {
	var sub subscriber.Subscriber
	var created int64
	err := s.pool.QueryRow(ctx, `SELECT id, email, name, language, created_at FROM subscriber WHERE id = $1`, id).
		Scan(&sub.ID, &sub.Email, &sub.Name, &sub.Language, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return sub, subscriber.ErrNotFound
	}
	if err != nil {
		return sub, fmt.Errorf("postgres: subscriber %d: %w", id, err)
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
	rows, err := s.pool.Query(ctx, `SELECT id, email, name, language, created_at FROM subscriber
		WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list subscribers: %w", err)
	}
	defer rows.Close()
	var list []subscriber.Subscriber
	for rows.Next() {
		var sub subscriber.Subscriber
		var created int64
		if err := rows.Scan(&sub.ID, &sub.Email, &sub.Name, &sub.Language, &created); err != nil {
			return nil, fmt.Errorf("postgres: list subscribers: %w", err)
		}
		sub.CreatedAt = fromMS(created)
		list = append(list, sub)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list subscribers: %w", err)
	}
	return list, s.fillSubscriptions(ctx, list)
}

// fillSubscriptions loads the subscriptions of list, which is in ID order,
// with one query over its ID range.
func (s *Store) fillSubscriptions(ctx context.Context, list []subscriber.Subscriber) error {
	if len(list) == 0 {
		return nil
	}
	index := make(map[int64]int, len(list))
	for i, sub := range list {
		index[sub.ID] = i
	}
	rows, err := s.pool.Query(ctx, `SELECT sp.subscriber_id, sp.newsletter_id, n.slug, sp.state, sp.updated_at
		FROM subscription sp JOIN newsletter n ON n.id = sp.newsletter_id
		WHERE sp.subscriber_id BETWEEN $1 AND $2 ORDER BY sp.subscriber_id, sp.newsletter_id`,
		list[0].ID, list[len(list)-1].ID)
	if err != nil {
		return fmt.Errorf("postgres: subscriptions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var sid int64
		var sp subscriber.Subscription
		var state string
		var upd int64
		if err := rows.Scan(&sid, &sp.NewsletterID, &sp.NewsletterSlug, &state, &upd); err != nil {
			return fmt.Errorf("postgres: subscriptions: %w", err)
		}
		sp.State, sp.UpdatedAt = subscriber.State(state), fromMS(upd)
		if i, ok := index[sid]; ok {
			list[i].Subscriptions = append(list[i].Subscriptions, sp)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: subscriptions: %w", err)
	}
	return nil
}

// ConfirmSubscriber confirms every pending subscription of id and returns
// the newsletters whose subscription it confirmed: of several calls at
// once, only one confirms each.
func (s *Store) ConfirmSubscriber(ctx context.Context, id int64, c subscriber.Consent) ([]subscriber.Newsletter, error) {
	at := ms(c.At)
	var changed []int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		changed, err = returnedIDs(ctx, tx, `UPDATE subscription SET state = 'confirmed', updated_at = $1
			WHERE subscriber_id = $2 AND state = 'pending' RETURNING newsletter_id`, at, id)
		if err != nil {
			return err
		}
		if err := addConsents(ctx, tx, c, changed); err != nil {
			return err
		}
		if len(changed) == 0 {
			var known bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM subscriber WHERE id = $1)`, id).Scan(&known); err != nil {
				return err
			}
			if !known {
				return subscriber.ErrNotFound
			}
			return nil
		}
		_, err = tx.Exec(ctx, `INSERT INTO delivery (kind, priority, subscriber_id, recipient, state, next_attempt_at, created_at)
			SELECT $1, $2, id, email, 'queued', $3, $3 FROM subscriber WHERE id = $4
			AND NOT EXISTS (SELECT 1 FROM suppression WHERE email_key = subscriber.email_key)`,
			string(delivery.KindWelcome), delivery.PriorityTransactional, at, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: confirm subscriber %d: %w", id, err)
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
// order: of several calls at once, only one ends each (a second waits for
// the first's row locks and then finds them ended).
func (s *Store) UnsubscribeSubscriber(ctx context.Context, id, newsletterID int64, c subscriber.Consent) ([]int64, error) {
	var changed []int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		changed, err = returnedIDs(ctx, tx, `UPDATE subscription SET state = 'unsubscribed', updated_at = $1
			WHERE subscriber_id = $2 AND (newsletter_id = $3 OR $3 = 0) AND state <> 'unsubscribed'
			RETURNING newsletter_id`, ms(c.At), id, newsletterID)
		if err != nil {
			return err
		}
		return addConsents(ctx, tx, c, changed)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: unsubscribe subscriber %d: %w", id, err)
	}
	return changed, nil
}

// returnedIDs runs a statement that returns one ID a row and gives the IDs
// in ascending order, so that what follows from them (consent records, say)
// comes out the same on every engine.
func returnedIDs(ctx context.Context, tx pgx.Tx, query string, args ...any) ([]int64, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	ids, err := collectIDs(rows)
	slices.Sort(ids)
	return ids, err
}

// collectIDs reads one ID a row; none is nil, as in the SQLite store.
func collectIDs(rows pgx.Rows) ([]int64, error) {
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if len(ids) == 0 {
		ids = nil
	}
	return ids, err
}

func addConsents(ctx context.Context, tx pgx.Tx, c subscriber.Consent, newsletters []int64) error {
	for _, nl := range newsletters {
		if _, err := tx.Exec(ctx, `INSERT INTO consent (subscriber_id, newsletter_id, action, at, source, wording, ip)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.SubscriberID, nl, string(c.Action), ms(c.At), c.Source, c.Wording, c.IP); err != nil {
			return err
		}
	}
	return nil
}

// Consents returns a subscriber's consent history, oldest first.
func (s *Store) Consents(ctx context.Context, subscriberID int64) ([]subscriber.Consent, error) {
	rows, err := s.pool.Query(ctx, `SELECT subscriber_id, newsletter_id, action, at, source, wording, ip
		FROM consent WHERE subscriber_id = $1 ORDER BY id LIMIT 10000`, subscriberID)
	if err != nil {
		return nil, fmt.Errorf("postgres: consents: %w", err)
	}
	defer rows.Close()
	var list []subscriber.Consent
	for rows.Next() {
		var c subscriber.Consent
		var action string
		var at int64
		if err := rows.Scan(&c.SubscriberID, &c.NewsletterID, &action, &at, &c.Source, &c.Wording, &c.IP); err != nil {
			return nil, fmt.Errorf("postgres: consents: %w", err)
		}
		c.Action, c.At = subscriber.ConsentAction(action), fromMS(at)
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: consents: %w", err)
	}
	return list, nil
}

// IsSuppressed reports whether mail to the address must not be sent.
func (s *Store) IsSuppressed(ctx context.Context, email string) (bool, error) {
	var found bool
	err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM suppression WHERE email_key = $1)`, subscriber.EmailKey(email)).Scan(&found)
	if err != nil {
		return false, fmt.Errorf("postgres: suppression: %w", err)
	}
	return found, nil
}
