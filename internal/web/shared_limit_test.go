package web

import (
	"fmt"
	"net/url"
	"testing"
)

// Two handlers on one database stand for two processes behind a load
// balancer: a client that moves from one to the other meets the same limit.
func TestSignupLimitSharedAcrossHandlers(t *testing.T) {
	a := newEnv(t, func(c *Config) { c.SignupPerMinute = 3 })
	a.h.limiter = &sharedLimiter{counter: a.store, perMinute: 3, log: a.h.log}
	b := newEnv(t)
	b.h.limiter = &sharedLimiter{counter: a.store, perMinute: 3, log: b.h.log}
	var codes []int
	for i := range 5 {
		env := a
		if i%2 == 1 {
			env = b
		}
		w := env.postForm("/subscribe", url.Values{"email": {fmt.Sprintf("s%d@example.org", i)}, "newsletter": {"1"}}, "")
		codes = append(codes, w.Code)
	}
	want := []int{303, 303, 303, 429, 429}
	if fmt.Sprint(codes) != fmt.Sprint(want) {
		t.Errorf("statuses of 5 signups from one address through two handlers = %v, want %v", codes, want)
	}
}
