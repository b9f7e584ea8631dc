package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"herald/internal/subscriber"
)

// SavePreferences applies a reader's choices from the preferences page in
// one transaction; see subscriber.PreferencesStore.
func (s *Store) SavePreferences(ctx context.Context, id int64, c subscriber.PreferenceChange) (subscriber.PreferenceOutcome, error) {
	var out subscriber.PreferenceOutcome
	err := s.tx(ctx, func(tx *sql.Tx) error {
		out = subscriber.PreferenceOutcome{}
		var key string
		err := tx.QueryRowContext(ctx, `SELECT email_key FROM subscriber WHERE id = ?`, id).Scan(&key)
		if errors.Is(err, sql.ErrNoRows) {
			return subscriber.ErrNotFound
		}
		if err != nil {
			return err
		}
		if c.Rename {
			if _, err := tx.ExecContext(ctx, `UPDATE subscriber SET name = ? WHERE id = ?`, clean(c.Name), id); err != nil {
				return err
			}
		}
		at := ms(c.At)
		for _, nl := range c.Leave {
			left, err := updateStates(ctx, tx, `UPDATE subscription SET state = 'unsubscribed', updated_at = ?
				WHERE subscriber_id = ? AND newsletter_id = ? AND state IN ('pending', 'confirmed')
				RETURNING newsletter_id`, at, id, nl)
			if err != nil {
				return err
			}
			out.Left = append(out.Left, left...)
		}
		consent := subscriber.Consent{SubscriberID: id, Action: subscriber.ConsentUnsubscribe, At: c.At, Source: c.Source, IP: clean(c.IP)}
		if err := addConsents(ctx, tx, consent, out.Left); err != nil {
			return err
		}
		if len(c.Join) == 0 {
			return nil
		}
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM suppression WHERE email_key = ?)`, key).Scan(&out.Refused); err != nil {
			return err
		}
		if out.Refused {
			return nil
		}
		for _, nl := range c.Join {
			var known bool
			if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM newsletter WHERE id = ?)`, nl).Scan(&known); err != nil {
				return err
			}
			if !known {
				return fmt.Errorf("newsletter %d: %w", nl, subscriber.ErrNoNewsletter)
			}
			joined, err := updateStates(ctx, tx, `INSERT INTO subscription (subscriber_id, newsletter_id, state, created_at, updated_at)
				VALUES (?, ?, 'confirmed', ?, ?)
				ON CONFLICT (subscriber_id, newsletter_id) DO UPDATE SET state = 'confirmed', updated_at = excluded.updated_at
				WHERE subscription.state <> 'confirmed'
				RETURNING newsletter_id`, id, nl, at, at)
			if err != nil {
				return err
			}
			out.Joined = append(out.Joined, joined...)
		}
		consent.Wording = clean(c.Wording)
		for _, action := range []subscriber.ConsentAction{subscriber.ConsentSignup, subscriber.ConsentConfirm} {
			consent.Action = action
			if err := addConsents(ctx, tx, consent, out.Joined); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return subscriber.PreferenceOutcome{}, fmt.Errorf("sqlite: save preferences of %d: %w", id, err)
	}
	return out, nil
}
