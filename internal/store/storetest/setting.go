package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"herald/internal/mail"
	"herald/internal/store"
)

func testSettings(t *testing.T, st Store) {
	ctx := context.Background()
	if v, err := st.Setting(ctx, "secret"); !errors.Is(err, store.ErrNoSetting) || v != "" {
		t.Errorf("Setting(secret) before any was stored = %q, %v; want store.ErrNoSetting", v, err)
	}
	v, err := st.EnsureSetting(ctx, "secret", "one")
	if err != nil || v != "one" {
		t.Fatalf("EnsureSetting(secret, one) = %q, %v; want one", v, err)
	}
	if v, err := st.EnsureSetting(ctx, "secret", "two"); err != nil || v != "one" {
		t.Errorf("EnsureSetting(secret, two) = %q, %v; want the stored one", v, err)
	}
	if v, err := st.Setting(ctx, "secret"); err != nil || v != "one" {
		t.Errorf("Setting(secret) = %q, %v; want one", v, err)
	}
	if v, err := st.EnsureSetting(ctx, "other", ""); err != nil || v != "" {
		t.Errorf("EnsureSetting(other, \"\") = %q, %v; want the empty value stored", v, err)
	}
	if v, err := st.Setting(ctx, "other"); err != nil || v != "" {
		t.Errorf("Setting(other) = %q, %v; want the stored empty value and no error", v, err)
	}
}

// testEnsureSettingRace starts processes together, as the generated secret
// does: all of them must end up with one value.
func testEnsureSettingRace(t *testing.T, st Store) {
	const n = 8
	ctx := context.Background()
	got := make([]string, n)
	race(t, st, n, func(i int) {
		v, err := st.EnsureSetting(ctx, "secret", fmt.Sprintf("value-%d", i))
		if err != nil {
			t.Errorf("EnsureSetting(secret, value-%d) = %v", i, err)
		}
		got[i] = v
	})
	stored, err := st.Setting(ctx, "secret")
	if err != nil {
		t.Fatalf("Setting(secret) = %v", err)
	}
	for i, v := range got {
		if v != stored {
			t.Errorf("EnsureSetting(secret, value-%d) = %q; the stored value is %q", i, v, stored)
		}
	}
}

func testOutbox(t *testing.T, st Store) {
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Millisecond)
	var want []mail.OutboxMessage
	for i := range 3 {
		m := mail.OutboxMessage{From: "news@example.com", To: fmt.Sprintf("r%d@example.com", i), Subject: fmt.Sprintf("Issue %d", i),
			// Binary data comes back byte for byte.
			Data: []byte(fmt.Sprintf("Subject: Issue %d\r\n\r\n\x00\xff\xfe body", i)), CreatedAt: t0.Add(time.Duration(i) * time.Second)}
		id, err := st.AddOutboxMessage(ctx, m)
		if err != nil {
			t.Fatalf("AddOutboxMessage(%s) = %v", m.To, err)
		}
		m.ID = id
		want = append(want, m)
	}
	if !(want[0].ID < want[1].ID && want[1].ID < want[2].ID) {
		t.Fatalf("AddOutboxMessage IDs %d, %d, %d; want them rising", want[0].ID, want[1].ID, want[2].ID)
	}
	// Listings leave the data out.
	listed := func(ms ...mail.OutboxMessage) []mail.OutboxMessage {
		var out []mail.OutboxMessage
		for _, m := range ms {
			m.Data = nil
			out = append(out, m)
		}
		return out
	}
	for _, c := range []struct {
		before int64
		limit  int
		want   []mail.OutboxMessage
	}{
		{0, 2, listed(want[2], want[1])},
		{want[1].ID, 10, listed(want[0])},
		{want[0].ID, 10, nil},
	} {
		got, err := st.ListOutbox(ctx, c.before, c.limit)
		if err != nil {
			t.Fatalf("ListOutbox(%d, %d) = %v", c.before, c.limit, err)
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("ListOutbox(%d, %d) (-want +got):\n%s", c.before, c.limit, diff)
		}
	}
	got, err := st.OutboxMessage(ctx, want[1].ID)
	if err != nil {
		t.Fatalf("OutboxMessage(%d) = %v", want[1].ID, err)
	}
	if diff := cmp.Diff(want[1], got); diff != "" {
		t.Errorf("OutboxMessage(%d) (-want +got):\n%s", want[1].ID, diff)
	}
	if m, err := st.OutboxMessage(ctx, 1<<40); !errors.Is(err, store.ErrNoOutboxMessage) {
		t.Errorf("OutboxMessage(1<<40) = %+v, %v; want store.ErrNoOutboxMessage", m, err)
	}
}
