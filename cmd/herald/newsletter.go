package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/store"
	"herald/internal/subscriber"
)

func newsletterCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	sub, args, err := subcommand(stdout, args, "newsletter", "list", "create")
	if err != nil {
		return err
	}
	var n subscriber.Newsletter
	c, pos, err := setup("newsletter "+sub, args, getenv, stdout, func(fs *flag.FlagSet) {
		if sub == "create" {
			fs.StringVar(&n.Name, "name", "", "the newsletter's name, as readers see it (required)")
			fs.StringVar(&n.Description, "description", "", "one sentence on what it brings")
			fs.StringVar(&n.SenderName, "sender-name", "", "name in the From line (default: the site's --from)")
			fs.StringVar(&n.SenderEmail, "sender-email", "", "address in the From line (default: the site's --from)")
			fs.StringVar(&n.ReplyTo, "reply-to", "", "where replies go")
			fs.StringVar(&n.Language, "newsletter-language", "", "its language (default: --language)")
			fs.StringVar(&n.Digest, "digest", "", "send automatically: daily or weekly")
			fs.StringVar(&n.DigestTime, "digest-time", "07:00", "local time of the digest, HH:MM")
			fs.IntVar(&n.DigestWeekday, "digest-weekday", 1, "day of a weekly digest, 0 (Sunday) to 6")
			fs.StringVar(&n.Timezone, "timezone", "UTC", "time zone of the digest time, such as Europe/Lisbon")
		}
	})
	if err != nil {
		return err
	}
	if sub == "create" {
		return newsletterCreate(ctx, c, pos, n, stdout)
	}
	if len(pos) > 0 {
		return &usageError{msg: "newsletter list takes no arguments"}
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	nls, err := st.Newsletters(ctx)
	if err != nil {
		return err
	}
	if c.json {
		enc := json.NewEncoder(stdout)
		for _, nl := range nls {
			enc.Encode(map[string]any{"id": nl.ID, "slug": nl.Slug, "name": nl.Name, "language": nl.Language, "digest": nl.Digest})
		}
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSLUG\tNAME\tDIGEST")
	for _, nl := range nls {
		digest := "-"
		if nl.Digest != "" {
			digest = nl.Digest + " at " + nl.DigestTime + " " + nl.Timezone
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", nl.ID, nl.Slug, nl.Name, digest)
	}
	return tw.Flush()
}

// newsletterCreate checks the new newsletter before it opens the database,
// so a refused one leaves a new data folder uncreated.
func newsletterCreate(ctx context.Context, c *config, pos []string, n subscriber.Newsletter, stdout io.Writer) error {
	if len(pos) != 1 {
		return &usageError{msg: "newsletter create needs one SLUG"}
	}
	n.Slug = pos[0]
	if n.Language == "" {
		n.Language = c.language
	}
	if err := checkNewsletter(&n); err != nil {
		return err
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	n.CreatedAt = time.Now()
	if n.Digest != "" {
		n.LastDigestAt = n.CreatedAt // the first digest covers what comes next
	}
	id, err := st.CreateNewsletter(ctx, &n)
	if errors.Is(err, store.ErrDuplicate) {
		return fmt.Errorf("a newsletter with the slug %q exists already", n.Slug)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created newsletter %d %s\n", id, n.Slug)
	return nil
}

func checkNewsletter(n *subscriber.Newsletter) error {
	n.Name = strings.TrimSpace(n.Name)
	switch {
	case !article.ValidSlug(n.Slug):
		return &usageError{msg: fmt.Sprintf("newsletter slug %q must be lowercase letters, digits and single hyphens", n.Slug)}
	case n.Name == "" || len(n.Name) > 200 || strings.ContainsAny(n.Name, "\r\n"):
		return &usageError{msg: "newsletter create needs --name, one line of at most 200 characters"}
	case n.Digest != "" && n.Digest != "daily" && n.Digest != "weekly":
		return &usageError{msg: "--digest must be daily or weekly"}
	case n.DigestWeekday < 0 || n.DigestWeekday > 6:
		return &usageError{msg: "--digest-weekday must be 0 (Sunday) to 6 (Saturday)"}
	case strings.ContainsAny(n.SenderName+n.Description, "\r\n"):
		return &usageError{msg: "names and descriptions must be one line"}
	}
	// The digest's time and zone are checked even without --digest: they
	// are stored, and a digest switched on later would use them.
	if _, err := time.LoadLocation(n.Timezone); err != nil || n.Timezone == "" || n.Timezone == "Local" {
		return &usageError{msg: fmt.Sprintf("--timezone %q is not a time zone such as Europe/Lisbon or UTC", n.Timezone)}
	}
	if _, _, err := campaign.ParseClock(n.DigestTime); err != nil {
		return &usageError{msg: fmt.Sprintf("--digest-time %q must be a time of day, HH:MM, such as 07:30", n.DigestTime)}
	}
	lang, err := checkLanguage("--newsletter-language", n.Language)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	n.Language = lang
	for _, a := range []struct{ flag, v string }{{"--sender-email", n.SenderEmail}, {"--reply-to", n.ReplyTo}} {
		if a.v == "" {
			continue
		}
		norm, err := subscriber.NormalizeEmail(a.v)
		if err != nil {
			return &usageError{msg: fmt.Sprintf("%s: %v", a.flag, err)}
		}
		if a.flag == "--sender-email" {
			n.SenderEmail = norm
		} else {
			n.ReplyTo = norm
		}
	}
	if n.Digest != "" {
		if _, err := campaign.NextDigest(*n, time.Now()); err != nil {
			return &usageError{msg: err.Error()}
		}
	}
	return nil
}
