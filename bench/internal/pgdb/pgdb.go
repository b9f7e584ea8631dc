// Package pgdb gives a benchmark program a fresh PostgreSQL database on a
// server it is pointed at, and drops it afterwards.
package pgdb

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Create makes an empty database on the server at serverURL and returns its
// URL and a function that drops it.
func Create(ctx context.Context, serverURL string) (string, func(), error) {
	name := "herald_bench_" + strings.ToLower(rand.Text())
	exec := func(q string) error {
		conn, err := pgx.Connect(ctx, serverURL)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, q)
		return err
	}
	if err := exec("CREATE DATABASE " + pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(serverURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() { exec("DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)") }
	return u.String(), drop, nil
}
