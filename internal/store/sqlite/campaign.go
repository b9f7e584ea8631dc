package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"herald/internal/campaign"
	"herald/internal/delivery"
)

// CreateCampaign stores a new campaign with its articles.
func (s *Store) CreateCampaign(ctx context.Context, c *campaign.Campaign) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		id, err = insertCampaign(ctx, tx, c)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: create campaign: %w", err)
	}
	return id, nil
}

func insertCampaign(ctx context.Context, tx *sql.Tx, c *campaign.Campaign) (int64, error) {
	now := ms(time.Now())
	started := int64(0)
	if c.State == campaign.Sending {
		started = now
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO campaign (newsletter_id, kind, subject, preheader, markdown, article_mode,
			audience_tags, audience_language, state, send_at, started_at, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		c.NewsletterID, string(c.Kind), c.Subject, c.Preheader, c.Markdown, string(c.ArticleMode),
		strings.Join(c.AudienceTags, ","), c.AudienceLanguage, string(c.State), ms(c.SendAt), started, now, now).Scan(&id)
	if err != nil {
		return 0, err
	}
	for i, aid := range c.ArticleIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO campaign_article (campaign_id, position, article_id) VALUES (?, ?, ?)`, id, i, aid); err != nil {
			return 0, err
		}
	}
	return id, nil
}

const campaignColumns = `id, newsletter_id, kind, subject, preheader, markdown, article_mode, audience_tags,
	audience_language, state, send_at, frozen_at, total, sent, failed, skipped, started_at, finished_at, created_at, updated_at`

func scanCampaign(row interface{ Scan(...any) error }) (campaign.Campaign, error) {
	var c campaign.Campaign
	var kind, mode, tags, state string
	var sendAt, frozen, started, finished, created, updated int64
	err := row.Scan(&c.ID, &c.NewsletterID, &kind, &c.Subject, &c.Preheader, &c.Markdown, &mode, &tags,
		&c.AudienceLanguage, &state, &sendAt, &frozen, &c.Total, &c.Sent, &c.Failed, &c.Skipped, &started, &finished, &created, &updated)
	c.Kind, c.ArticleMode, c.State = campaign.Kind(kind), campaign.Mode(mode), campaign.State(state)
	if tags != "" {
		c.AudienceTags = strings.Split(tags, ",")
	}
	c.SendAt, c.FrozenAt, c.StartedAt, c.FinishedAt = fromMS(sendAt), fromMS(frozen), fromMS(started), fromMS(finished)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return c, err
}

// Campaign returns one campaign with its article IDs in order.
func (s *Store) Campaign(ctx context.Context, id int64) (campaign.Campaign, error) {
	c, err := scanCampaign(s.queryRow(ctx, `SELECT `+campaignColumns+` FROM campaign WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return c, campaign.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("sqlite: campaign %d: %w", id, err)
	}
	rows, err := s.query(ctx, `SELECT article_id FROM campaign_article WHERE campaign_id = ? ORDER BY position`, id)
	if err != nil {
		return c, fmt.Errorf("sqlite: campaign %d articles: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var aid int64
		if err := rows.Scan(&aid); err != nil {
			return c, err
		}
		c.ArticleIDs = append(c.ArticleIDs, aid)
	}
	return c, rows.Err()
}

// ListCampaigns returns campaigns newest first, below beforeID when set.
func (s *Store) ListCampaigns(ctx context.Context, beforeID int64, limit int) ([]campaign.Campaign, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := s.query(ctx, `SELECT `+campaignColumns+` FROM campaign WHERE id < ? ORDER BY id DESC LIMIT ?`, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list campaigns: %w", err)
	}
	defer rows.Close()
	var list []campaign.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list campaigns: %w", err)
		}
		list = append(list, c)
	}
	return list, rows.Err()
}

// MoveCampaign changes a campaign's state when the move is legal from the
// state it is in now, and brings its ledger along: pausing holds the queued
// rows, resuming releases them, cancelling skips them. sendAt is kept for
// a move to Scheduled.
func (s *Store) MoveCampaign(ctx context.Context, id int64, to campaign.State, at, sendAt time.Time) error {
	from := campaign.From(to)
	if len(from) == 0 {
		return campaign.ErrState
	}
	marks := strings.TrimSuffix(strings.Repeat("?,", len(from)), ",")
	args := []any{string(to), ms(at), ms(sendAt)}
	started := int64(0)
	if to == campaign.Sending {
		started = ms(at)
	}
	args = append(args, started)
	finished := int64(0)
	if to == campaign.Cancelled || to == campaign.Sent {
		finished = ms(at)
	}
	args = append(args, finished, id)
	for _, f := range from {
		args = append(args, string(f))
	}
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE campaign SET state = ?, updated_at = ?,
				send_at = CASE WHEN ?3 > 0 THEN ?3 WHEN ?1 = 'draft' OR state = 'draft' THEN 0 ELSE send_at END,
				started_at = CASE WHEN started_at = 0 THEN ? ELSE started_at END,
				finished_at = ?
			WHERE id = ? AND state IN (`+marks+`)`, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			var state string
			err := tx.QueryRowContext(ctx, `SELECT state FROM campaign WHERE id = ?`, id).Scan(&state)
			if errors.Is(err, sql.ErrNoRows) {
				return campaign.ErrNotFound
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: it is %s", campaign.ErrState, state)
		}
		switch to {
		case campaign.Paused:
			// Rows out with a worker (leased) stay queued, so their answers
			// are recorded; their campaign is not sending, so none is claimed.
			_, err = tx.ExecContext(ctx, `UPDATE delivery SET state = 'held'
				WHERE campaign_id = ? AND kind = 'campaign' AND state = 'queued' AND lease_until < ?`, id, ms(at))
		case campaign.Sending:
			_, err = tx.ExecContext(ctx, `UPDATE delivery SET state = 'queued' WHERE campaign_id = ? AND kind = 'campaign' AND state = 'held'`, id)
		case campaign.Cancelled:
			var res sql.Result
			res, err = tx.ExecContext(ctx, `UPDATE delivery SET state = 'skipped', smtp_text = 'campaign cancelled', done_at = ?
				WHERE campaign_id = ?2 AND kind = 'campaign' AND (state = 'held' OR state = 'queued' AND lease_until < ?1)`, ms(at), id)
			if err == nil {
				n, _ := res.RowsAffected()
				_, err = tx.ExecContext(ctx, `UPDATE campaign SET skipped = skipped + ? WHERE id = ?`, n, id)
			}
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: move campaign %d to %s: %w", id, to, err)
	}
	return nil
}

// StartDue starts a scheduled campaign whose time has come: only if it is
// still scheduled, and still due at now. An editor who unscheduled or
// rescheduled it since it was found due wins; campaign.ErrState says so.
func (s *Store) StartDue(ctx context.Context, id int64, now time.Time) error {
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE campaign SET state = 'sending', updated_at = ?1,
				started_at = CASE WHEN started_at = 0 THEN ?1 ELSE started_at END, finished_at = 0
			WHERE id = ?2 AND state = 'scheduled' AND send_at > 0 AND send_at <= ?1`, ms(now), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return campaign.ErrState
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: start campaign %d: %w", id, err)
	}
	return nil
}

// audience adds to a query of subscription sp joined to subscriber s the
// conditions that make an audience: confirmed, not suppressed, and, when
// given, in the language and holding one of the tags (comma-separated).
func audience(where []string, args []any, lang, tags string) ([]string, []any) {
	where = append(where, `sp.state = 'confirmed'`, `NOT EXISTS (SELECT 1 FROM suppression x WHERE x.email_key = s.email_key)`)
	if lang != "" {
		where, args = append(where, `s.language = ?`), append(args, lang)
	}
	if tags != "" {
		list := strings.Split(tags, ",")
		where = append(where, `EXISTS (SELECT 1 FROM subscriber_tag t WHERE t.subscriber_id = s.id AND t.tag IN (`+
			strings.TrimSuffix(strings.Repeat("?,", len(list)), ",")+`))`)
		for _, t := range list {
			args = append(args, t)
		}
	}
	return where, args
}

// AudienceSize counts whom a campaign to the newsletter, narrowed by
// language and tags, would reach now: what freezing its audience would
// write.
func (s *Store) AudienceSize(ctx context.Context, newsletterID int64, language string, tags []string) (int, error) {
	var n int
	var err error
	if language == "" && len(tags) == 0 {
		// The whole newsletter: its confirmed subscriptions, counted in
		// their index, less the few suppressed, found from the other side.
		// Counting through every subscriber's row costs three times as much.
		err = s.read.QueryRowContext(ctx, `SELECT
			(SELECT count(*) FROM subscription WHERE newsletter_id = ?1 AND state = 'confirmed') -
			(SELECT count(*) FROM suppression x JOIN subscriber s ON s.email_key = x.email_key
				JOIN subscription sp ON sp.subscriber_id = s.id AND sp.newsletter_id = ?1 AND sp.state = 'confirmed')`,
			newsletterID).Scan(&n)
	} else {
		where, args := audience([]string{`sp.newsletter_id = ?`}, []any{newsletterID}, language, strings.Join(tags, ","))
		err = s.read.QueryRowContext(ctx, `SELECT count(*) FROM subscription sp JOIN subscriber s ON s.id = sp.subscriber_id
			WHERE `+strings.Join(where, ` AND `), args...).Scan(&n)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: audience size: %w", err)
	}
	return n, nil
}

// DueCampaigns lists the scheduled campaigns whose time has come. Starting
// one is a state change of its own (MoveCampaign), which happens once
// however many processes try.
func (s *Store) DueCampaigns(ctx context.Context, now time.Time) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT id FROM campaign WHERE state = 'scheduled' AND send_at <= ? ORDER BY send_at, id LIMIT 100`, ms(now))
	if err != nil {
		return nil, fmt.Errorf("sqlite: due campaigns: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("sqlite: due campaigns: %w", err)
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// CampaignsToFreeze lists campaigns whose audience is not yet all in the ledger.
func (s *Store) CampaignsToFreeze(ctx context.Context) ([]int64, error) {
	rows, err := s.query(ctx, `SELECT id FROM campaign WHERE state IN ('sending', 'paused') AND frozen_at = 0 ORDER BY id LIMIT 100`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: campaigns to freeze: %w", err)
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

// FreezeChunk writes the next chunk of a campaign's audience into the
// ledger: confirmed subscribers of its newsletter, narrowed by tags and
// language, never a suppressed address, in subscriber order after the
// campaign's cursor. It reports whether the audience is now complete.
func (s *Store) FreezeChunk(ctx context.Context, id int64, limit int, now time.Time) (added int, done bool, err error) {
	err = s.tx(ctx, func(tx *sql.Tx) error {
		added, done = 0, false
		var nl, cursor, frozen int64
		var state, tags, lang string
		err := tx.QueryRowContext(ctx, `SELECT newsletter_id, freeze_cursor, frozen_at, state, audience_tags, audience_language
			FROM campaign WHERE id = ?`, id).Scan(&nl, &cursor, &frozen, &state, &tags, &lang)
		if errors.Is(err, sql.ErrNoRows) {
			return campaign.ErrNotFound
		}
		if err != nil {
			return err
		}
		if frozen != 0 || (state != string(campaign.Sending) && state != string(campaign.Paused)) {
			done = true
			return nil
		}
		rowState := delivery.Queued
		if state == string(campaign.Paused) {
			rowState = delivery.Held
		}
		where := []string{`sp.newsletter_id = ?`, `sp.subscriber_id > ?`}
		args := []any{string(rowState), id, ms(now), ms(now), nl, cursor}
		where, args = audience(where, args, lang, tags)
		args = append(args, limit)
		rows, err := tx.QueryContext(ctx, `INSERT INTO delivery (kind, priority, subscriber_id, campaign_id, recipient, state, next_attempt_at, created_at)
			SELECT 'campaign', `+fmt.Sprint(delivery.PriorityBulk)+`, s.id, ?2, s.email, ?1, ?3, ?4
			FROM subscription sp JOIN subscriber s ON s.id = sp.subscriber_id
			WHERE `+strings.Join(where, ` AND `)+`
			ORDER BY sp.subscriber_id LIMIT ?
			ON CONFLICT DO NOTHING
			RETURNING subscriber_id`, args...)
		if err != nil {
			return err
		}
		last := cursor
		for rows.Next() {
			var sid int64
			if err := rows.Scan(&sid); err != nil {
				rows.Close()
				return err
			}
			added++
			last = max(last, sid)
		}
		if err := errors.Join(rows.Err(), rows.Close()); err != nil {
			return err
		}
		done = added < limit
		frozenAt := int64(0)
		if done {
			frozenAt = ms(now)
		}
		_, err = tx.ExecContext(ctx, `UPDATE campaign SET freeze_cursor = max(freeze_cursor, ?), total = total + ?,
			frozen_at = ?, updated_at = ? WHERE id = ?`, last, added, frozenAt, ms(now), id)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("sqlite: freeze audience of campaign %d: %w", id, err)
	}
	return added, done, nil
}

// FinishCampaigns marks Sent every sending campaign whose whole frozen
// audience has a final outcome, and returns their IDs.
func (s *Store) FinishCampaigns(ctx context.Context, now time.Time) ([]int64, error) {
	var ids []int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		var err error
		ids, err = updateStates(ctx, tx, `UPDATE campaign SET state = 'sent', finished_at = ?, updated_at = ?
			WHERE state = 'sending' AND frozen_at > 0 AND sent + failed + skipped >= total RETURNING id`, ms(now), ms(now))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: finish campaigns: %w", err)
	}
	return ids, nil
}

// QueueTestSend queues a campaign to one address outside its ledger.
func (s *Store) QueueTestSend(ctx context.Context, id int64, email string, now time.Time) error {
	_, err := s.write.ExecContext(ctx, `INSERT INTO delivery (kind, priority, subscriber_id, campaign_id, recipient, state, next_attempt_at, created_at)
		SELECT ?, ?, 0, id, ?, 'queued', ?, ? FROM campaign WHERE id = ?`,
		string(delivery.KindCampaignTest), delivery.PriorityTransactional, email, ms(now), ms(now), id)
	if err != nil {
		return fmt.Errorf("sqlite: queue test send of campaign %d: %w", id, err)
	}
	return nil
}

// CampaignInFlight counts the campaign's deliveries that a sender holds at
// now: claimed under a lease that has not run out, their answers not yet
// written. A cancelled campaign's counts move until none is left.
func (s *Store) CampaignInFlight(ctx context.Context, id int64, now time.Time) (int, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM delivery
		WHERE campaign_id = ? AND kind = 'campaign' AND state = 'queued' AND lease_until > ?`, id, ms(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: campaign %d in flight: %w", id, err)
	}
	return n, nil
}
