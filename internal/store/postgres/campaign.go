package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"herald/internal/campaign"
	"herald/internal/delivery"
)

// CreateCampaign stores a new campaign with its articles.
func (s *Store) CreateCampaign(ctx context.Context, c *campaign.Campaign) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		id, err = insertCampaign(ctx, tx, c)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("postgres: create campaign: %w", err)
	}
	return id, nil
}

func insertCampaign(ctx context.Context, tx pgx.Tx, c *campaign.Campaign) (int64, error) {
	now := ms(time.Now())
	started := int64(0)
	if c.State == campaign.Sending {
		started = now
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO campaign (newsletter_id, kind, subject, preheader, markdown, article_mode,
			audience_tags, audience_language, state, send_at, started_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id`,
		c.NewsletterID, string(c.Kind), c.Subject, c.Preheader, c.Markdown, string(c.ArticleMode),
		strings.Join(c.AudienceTags, ","), c.AudienceLanguage, string(c.State), ms(c.SendAt), started, now).Scan(&id)
	if err != nil {
		return 0, err
	}
	for i, aid := range c.ArticleIDs {
		if _, err := tx.Exec(ctx, `INSERT INTO campaign_article (campaign_id, position, article_id) VALUES ($1, $2, $3)`, id, i, aid); err != nil {
			return 0, err
		}
	}
	return id, nil
}

const campaignColumns = `id, newsletter_id, kind, subject, preheader, markdown, article_mode, audience_tags,
	audience_language, state, send_at, frozen_at, total, sent, failed, skipped, started_at, finished_at, created_at, updated_at`

func scanCampaign(row pgx.Row) (campaign.Campaign, error) {
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
	c, err := scanCampaign(s.pool.QueryRow(ctx, `SELECT `+campaignColumns+` FROM campaign WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return c, campaign.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("postgres: campaign %d: %w", id, err)
	}
	rows, err := s.pool.Query(ctx, `SELECT article_id FROM campaign_article WHERE campaign_id = $1 ORDER BY position`, id)
	if err != nil {
		return c, fmt.Errorf("postgres: campaign %d articles: %w", id, err)
	}
	c.ArticleIDs, err = collectIDs(rows)
	if err != nil {
		return c, fmt.Errorf("postgres: campaign %d articles: %w", id, err)
	}
	return c, nil
}

// ListCampaigns returns campaigns newest first, below beforeID when set.
func (s *Store) ListCampaigns(ctx context.Context, beforeID int64, limit int) ([]campaign.Campaign, error) {
	if beforeID <= 0 {
		beforeID = 1<<63 - 1
	}
	rows, err := s.pool.Query(ctx, `SELECT `+campaignColumns+` FROM campaign WHERE id < $1 ORDER BY id DESC LIMIT $2`, beforeID, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: list campaigns: %w", err)
	}
	defer rows.Close()
	var list []campaign.Campaign
	for rows.Next() {
		c, err := scanCampaign(rows)
		if err != nil {
			return nil, fmt.Errorf("postgres: list campaigns: %w", err)
		}
		list = append(list, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list campaigns: %w", err)
	}
	return list, nil
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
	states := make([]string, len(from))
	for i, f := range from {
		states[i] = string(f)
	}
	started, finished := int64(0), int64(0)
	if to == campaign.Sending {
		started = ms(at)
	}
	if to == campaign.Cancelled || to == campaign.Sent {
		finished = ms(at)
	}
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockCampaignAudience(ctx, tx, id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE campaign SET state = $1, updated_at = $2,
				send_at = CASE WHEN $3::BIGINT > 0 THEN $3 WHEN $1 = 'draft' OR state = 'draft' THEN 0 ELSE send_at END,
				started_at = CASE WHEN started_at = 0 THEN $4 ELSE started_at END,
				finished_at = $5
			WHERE id = $6 AND state = ANY($7)`,
			string(to), ms(at), ms(sendAt), started, finished, id, states)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var state string
			err := tx.QueryRow(ctx, `SELECT state FROM campaign WHERE id = $1`, id).Scan(&state)
			if errors.Is(err, pgx.ErrNoRows) {
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
			_, err = tx.Exec(ctx, `UPDATE delivery SET state = 'held'
				WHERE campaign_id = $1 AND kind = 'campaign' AND state = 'queued' AND lease_until < $2`, id, ms(at))
		case campaign.Sending:
			_, err = tx.Exec(ctx, `UPDATE delivery SET state = 'queued' WHERE campaign_id = $1 AND kind = 'campaign' AND state = 'held'`, id)
		case campaign.Cancelled:
			_, err = tx.Exec(ctx, `WITH skipped AS (
					UPDATE delivery SET state = 'skipped', smtp_text = 'campaign cancelled', done_at = $1
					WHERE campaign_id = $2 AND kind = 'campaign' AND (state = 'held' OR state = 'queued' AND lease_until < $1) RETURNING id
				)
				UPDATE campaign SET skipped = skipped + (SELECT count(*) FROM skipped) WHERE id = $2`, ms(at), id)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: move campaign %d to %s: %w", id, to, err)
	}
	return nil
}

// campaignAudienceLock is the first half of the advisory lock that a
// campaign's state changes and the freezing of its audience take, the
// second half being the campaign's ID: "camp" in ASCII.
const campaignAudienceLock int32 = 0x63_61_6d_70

// lockCampaignAudience serialises, until tx ends, the freezing of a
// campaign's audience with every change of its state, so that rows are
// frozen queued or held as the state they see says, and a pause holds
// every row frozen before it. The campaign row itself stays free for the
// result writers, which add to its counters while a freeze runs.
func lockCampaignAudience(ctx context.Context, tx pgx.Tx, id int64) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1::int, ($2::bigint % 2147483647)::int)`, campaignAudienceLock, id)
	return err
}

// StartDue starts a scheduled campaign whose time has come: only if it is
// still scheduled, and still due at now. An editor who unscheduled or
// rescheduled it since it was found due wins; campaign.ErrState says so.
func (s *Store) StartDue(ctx context.Context, id int64, now time.Time) error {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := lockCampaignAudience(ctx, tx, id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE campaign SET state = 'sending', updated_at = $1,
				started_at = CASE WHEN started_at = 0 THEN $1 ELSE started_at END, finished_at = 0
			WHERE id = $2 AND state = 'scheduled' AND send_at > 0 AND send_at <= $1`, ms(now), id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return campaign.ErrState
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: start campaign %d: %w", id, err)
	}
	return nil
}

// audience adds to a query of subscription sp joined to subscriber s the
// conditions that make an audience: confirmed, not suppressed, and, when
// given, in the language and holding one of the tags (comma-separated).
// arg adds a value to the query's arguments and returns its placeholder.
func audience(where []string, arg func(any) string, lang, tags string) []string {
	where = append(where, `sp.state = 'confirmed'`, `NOT EXISTS (SELECT 1 FROM suppression x WHERE x.email_key = s.email_key)`)
	if lang != "" {
		where = append(where, `s.language = `+arg(lang))
	}
	if tags != "" {
		where = append(where, `EXISTS (SELECT 1 FROM subscriber_tag t WHERE t.subscriber_id = s.id AND t.tag = ANY(`+
			arg(strings.Split(tags, ","))+`))`)
	}
	return where
}

// AudienceSize counts whom a campaign to the newsletter, narrowed by
// language and tags, would reach now: what freezing its audience would
// write.
func (s *Store) AudienceSize(ctx context.Context, newsletterID int64, language string, tags []string) (int, error) {
	args := []any{newsletterID}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := audience([]string{`sp.newsletter_id = $1`}, arg, clean(language), clean(strings.Join(tags, ",")))
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM subscription sp JOIN subscriber s ON s.id = sp.subscriber_id
		WHERE `+strings.Join(where, ` AND `), args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: audience size: %w", err)
	}
	return n, nil
}

// DueCampaigns lists the scheduled campaigns whose time has come. Starting
// one is a state change of its own (MoveCampaign), which happens once
// however many processes try.
func (s *Store) DueCampaigns(ctx context.Context, now time.Time) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM campaign WHERE state = 'scheduled' AND send_at <= $1 ORDER BY send_at, id LIMIT 100`, ms(now))
	if err != nil {
		return nil, fmt.Errorf("postgres: due campaigns: %w", err)
	}
	ids, err := collectIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: due campaigns: %w", err)
	}
	return ids, nil
}

// CampaignsToFreeze lists campaigns whose audience is not yet all in the ledger.
func (s *Store) CampaignsToFreeze(ctx context.Context) ([]int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT id FROM campaign WHERE state IN ('sending', 'paused') AND frozen_at = 0 ORDER BY id LIMIT 100`)
	if err != nil {
		return nil, fmt.Errorf("postgres: campaigns to freeze: %w", err)
	}
	ids, err := collectIDs(rows)
	if err != nil {
		return nil, fmt.Errorf("postgres: campaigns to freeze: %w", err)
	}
	return ids, nil
}

// FreezeChunk writes the next chunk of a campaign's audience into the
// ledger: confirmed subscribers of its newsletter, narrowed by tags and
// language, never a suppressed address, in subscriber order after the
// campaign's cursor. It reports whether the audience is now complete. The
// campaign row is locked first, so two processes freezing at once take
// turns and the second starts from the first one's cursor.
func (s *Store) FreezeChunk(ctx context.Context, id int64, limit int, now time.Time) (added int, done bool, err error) {
	err = s.tx(ctx, func(tx pgx.Tx) error {
		added, done = 0, false
		if err := lockCampaignAudience(ctx, tx, id); err != nil {
			return err
		}
		var nl, cursor, frozen int64
		var state, tags, lang string
		err := tx.QueryRow(ctx, `SELECT newsletter_id, freeze_cursor, frozen_at, state, audience_tags, audience_language
			FROM campaign WHERE id = $1`, id).Scan(&nl, &cursor, &frozen, &state, &tags, &lang)
		if errors.Is(err, pgx.ErrNoRows) {
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
		args := []any{string(rowState), id, ms(now), nl, cursor}
		// arg adds v to the arguments and returns its placeholder.
		arg := func(v any) string {
			args = append(args, v)
			return "$" + strconv.Itoa(len(args))
		}
		where := audience([]string{`sp.newsletter_id = $4`, `sp.subscriber_id > $5`}, arg, lang, tags)
		rows, err := tx.Query(ctx, `INSERT INTO delivery (kind, priority, subscriber_id, campaign_id, recipient, state, next_attempt_at, created_at)
			SELECT 'campaign', `+strconv.Itoa(delivery.PriorityBulk)+`, s.id, $2, s.email, $1, $3, $3
			FROM subscription sp JOIN subscriber s ON s.id = sp.subscriber_id
			WHERE `+strings.Join(where, ` AND `)+`
			ORDER BY sp.subscriber_id LIMIT `+arg(limit)+`
			ON CONFLICT DO NOTHING
			RETURNING subscriber_id`, args...)
		if err != nil {
			return err
		}
		ids, err := collectIDs(rows)
		if err != nil {
			return err
		}
		last := cursor
		for _, sid := range ids {
			last = max(last, sid)
		}
		added = len(ids)
		done = added < limit
		frozenAt := int64(0)
		if done {
			frozenAt = ms(now)
		}
		_, err = tx.Exec(ctx, `UPDATE campaign SET freeze_cursor = greatest(freeze_cursor, $1), total = total + $2,
			frozen_at = $3, updated_at = $4 WHERE id = $5`, last, added, frozenAt, ms(now), id)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("postgres: freeze audience of campaign %d: %w", id, err)
	}
	if done {
		// A freeze adds rows in bulk; fresh statistics let the planner see
		// how many are queued. The claim query does not depend on them (see
		// ClaimDeliveries), so a failure here costs nothing but the hint.
		_, _ = s.pool.Exec(ctx, `ANALYZE delivery`)
	}
	return added, done, nil
}

// FinishCampaigns marks Sent every sending campaign whose whole frozen
// audience has a final outcome, and returns their IDs.
func (s *Store) FinishCampaigns(ctx context.Context, now time.Time) ([]int64, error) {
	var ids []int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var err error
		ids, err = returnedIDs(ctx, tx, `UPDATE campaign SET state = 'sent', finished_at = $1, updated_at = $1
			WHERE state = 'sending' AND frozen_at > 0 AND sent + failed + skipped >= total RETURNING id`, ms(now))
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: finish campaigns: %w", err)
	}
	return ids, nil
}

// QueueTestSend queues a campaign to one address outside its ledger.
func (s *Store) QueueTestSend(ctx context.Context, id int64, email string, now time.Time) error {
	_, err := s.pool.Exec(ctx, `INSERT INTO delivery (kind, priority, subscriber_id, campaign_id, recipient, state, next_attempt_at, created_at)
		SELECT $1, $2, 0, id, $3, 'queued', $4, $4 FROM campaign WHERE id = $5`,
		string(delivery.KindCampaignTest), delivery.PriorityTransactional, email, ms(now), id)
	if err != nil {
		return fmt.Errorf("postgres: queue test send of campaign %d: %w", id, err)
	}
	return nil
}

// CampaignInFlight counts the campaign's deliveries that a sender holds at
// now: claimed under a lease that has not run out, their answers not yet
// written. A cancelled campaign's counts move until none is left.
func (s *Store) CampaignInFlight(ctx context.Context, id int64, now time.Time) (int, error) {
	var n int
	err := s.pool.QueryRow(ctx, `SELECT count(*) FROM delivery
		WHERE campaign_id = $1 AND kind = 'campaign' AND state = 'queued' AND lease_until > $2`, id, ms(now)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: campaign %d in flight: %w", id, err)
	}
	return n, nil
}
