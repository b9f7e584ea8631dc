package sqlite

import (
	"context"
	"encoding/json"
	"fmt"

	"herald/internal/subscriber"
)

// ExportSubscribers returns up to limit subscribers of a newsletter, in
// every state, with IDs above afterID in ID order, so an export of any size
// reads the list page by page.
func (s *Store) ExportSubscribers(ctx context.Context, newsletterID, afterID int64, limit int) ([]subscriber.ExportRow, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT s.id, s.email, s.name, sp.state, s.created_at, s.language,
			(SELECT json_group_array(tag) FROM (SELECT tag FROM subscriber_tag WHERE subscriber_id = s.id ORDER BY tag))
		FROM subscription sp JOIN subscriber s ON s.id = sp.subscriber_id
		WHERE sp.newsletter_id = ? AND sp.subscriber_id > ?
		ORDER BY sp.subscriber_id LIMIT ?`, newsletterID, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: export subscribers: %w", err)
	}
	defer rows.Close()
	var list []subscriber.ExportRow
	for rows.Next() {
		var r subscriber.ExportRow
		var state, tags string
		var created int64
		if err := rows.Scan(&r.ID, &r.Email, &r.Name, &state, &created, &r.Language, &tags); err != nil {
			return nil, fmt.Errorf("sqlite: export subscribers: %w", err)
		}
		if err := json.Unmarshal([]byte(tags), &r.Tags); err != nil {
			return nil, fmt.Errorf("sqlite: export subscribers: tags of %d: %w", r.ID, err)
		}
		if len(r.Tags) == 0 {
			r.Tags = nil
		}
		r.State, r.CreatedAt = subscriber.State(state), fromMS(created)
		list = append(list, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: export subscribers: %w", err)
	}
	return list, nil
}
