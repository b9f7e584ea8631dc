package sqlite_test

import (
	"testing"

	"herald/internal/store/storetest"
)

func TestWebhooks(t *testing.T) {
	storetest.RunWebhooks(t, func(t *testing.T) storetest.WebhookStore { return open(t) })
}
