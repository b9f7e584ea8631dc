package postgres_test

import (
	"testing"

	"herald/internal/store/storetest"
)

func TestAdminConformance(t *testing.T) {
	storetest.RunAdmin(t, func(t *testing.T) storetest.AdminStore { return open(t, freshDatabase(t)) })
}
