package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"herald/internal/user"
)

// userTokens lists an account's API tokens, revoked ones too, without the
// tokens themselves, which are kept only as hashes.
func userTokens(ctx context.Context, svc *user.Service, u user.User, asJSON bool, stdout io.Writer) error {
	tokens, err := svc.Tokens(ctx, u.ID)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(stdout)
		for _, t := range tokens {
			if err := enc.Encode(struct {
				ID         int64             `json:"id"`
				Name       string            `json:"name"`
				Scopes     []user.Permission `json:"scopes"`
				CreatedAt  time.Time         `json:"created_at"`
				LastUsedAt *time.Time        `json:"last_used_at,omitempty"`
				RevokedAt  *time.Time        `json:"revoked_at,omitempty"`
			}{t.ID, t.Name, t.Scopes, t.CreatedAt, timeOrNil(t.LastUsedAt), timeOrNil(t.RevokedAt)}); err != nil {
				return err
			}
		}
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tCREATED\tLAST USED\tSTATE")
	day := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Local().Format("2006-01-02")
	}
	for _, t := range tokens {
		state := "in force"
		if !t.RevokedAt.IsZero() {
			state = "revoked " + day(t.RevokedAt)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, permissionList(t.Scopes), day(t.CreatedAt), day(t.LastUsedAt), state)
	}
	return tw.Flush()
}

// userRevoke stops one of an account's tokens at once, leaving the account
// and its other tokens as they are.
func userRevoke(ctx context.Context, svc *user.Service, u user.User, id int64, stdout io.Writer) error {
	if id <= 0 {
		return &usageError{msg: "user revoke needs --token ID (herald user tokens " + u.Email + " lists them)"}
	}
	err := svc.RevokeToken(ctx, u.ID, id)
	if errors.Is(err, user.ErrNotFound) {
		return fmt.Errorf("%s has no API token %d in force", u.Email, id)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked API token %d of %s\n", id, u.Email)
	return nil
}

func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
