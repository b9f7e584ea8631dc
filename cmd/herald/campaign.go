package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/lang"
	"herald/internal/subscriber"
)

type campaignFlags struct {
	newsletter, subject, preheader, markdown, mode, language, sendAt, to string
	articles, tags                                                       []string
	watch                                                                bool
}

func campaignCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	sub, args, err := subcommand(stdout, args, "campaign", "create", "list", "send", "pause", "resume", "cancel", "status", "test")
	if err != nil {
		return err
	}
	var f campaignFlags
	c, pos, err := setup("campaign "+sub, args, getenv, stdout, func(fs *flag.FlagSet) {
		list := func(p *[]string) func(string) error {
			return func(s string) error {
				for _, part := range strings.Split(s, ",") {
					if part = strings.TrimSpace(part); part != "" {
						*p = append(*p, part)
					}
				}
				return nil
			}
		}
		switch sub {
		case "create":
			fs.StringVar(&f.newsletter, "newsletter", "", "slug of the newsletter (required)")
			fs.StringVar(&f.subject, "subject", "", "the subject line (required)")
			fs.StringVar(&f.preheader, "preheader", "", "preview text shown after the subject")
			fs.Func("article", "slug of an article to include; repeat for several", list(&f.articles))
			fs.StringVar(&f.markdown, "markdown", "", "a Markdown file written for the email")
			fs.StringVar(&f.mode, "mode", "full", "full articles or teaser (standfirst and link)")
			fs.Func("tag", "send only to subscribers with this tag; repeat for any of several", list(&f.tags))
			fs.StringVar(&f.language, "audience-language", "", "send only to subscribers of this language")
		case "send":
			fs.StringVar(&f.sendAt, "at", "", "send at this RFC 3339 time instead of now")
		case "test":
			fs.StringVar(&f.to, "to", "", "addresses to send the test to, comma-separated (required)")
		case "status":
			fs.BoolVar(&f.watch, "watch", false, "keep showing progress until the campaign ends and none of its mail is in flight (default when a terminal)")
		}
	})
	if err != nil {
		return err
	}
	var id int64
	if sub != "create" && sub != "list" {
		if len(pos) != 1 {
			return &usageError{msg: fmt.Sprintf("campaign %s needs one campaign ID", sub)}
		}
		if id, err = strconv.ParseInt(pos[0], 10, 64); err != nil || id <= 0 {
			return &usageError{msg: fmt.Sprintf("%q is not a campaign ID", pos[0])}
		}
	} else if len(pos) > 0 {
		return &usageError{msg: fmt.Sprintf("campaign %s takes no arguments", sub)}
	}
	// What the command line alone can refuse is refused before the
	// database is opened, so that it leaves a new data folder uncreated.
	var draft campaign.Campaign
	var at time.Time
	switch sub {
	case "create":
		if draft, err = campaignDraft(f); err != nil {
			return err
		}
	case "send":
		if f.sendAt != "" {
			if at, err = time.Parse(time.RFC3339, f.sendAt); err != nil {
				return &usageError{msg: "--at must be an RFC 3339 time such as 2026-12-01T07:00:00Z"}
			}
		}
	}
	st, err := c.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	now := time.Now()
	switch sub {
	case "create":
		return campaignCreate(ctx, st, draft, f, stdout)
	case "list":
		return campaignList(ctx, st, c.json, stdout)
	case "send":
		return campaignSend(ctx, st, id, now, at, stdout)
	case "pause":
		return campaignMove(ctx, st, id, campaign.Paused, now, time.Time{}, stdout)
	case "resume":
		cp, err := st.Campaign(ctx, id)
		if err != nil {
			return campaignErr(id, campaign.Sending, err)
		}
		if campaign.Resume(cp.State) != nil {
			return fmt.Errorf("campaign %d is %s; only a paused campaign resumes", id, cp.State)
		}
		return campaignMove(ctx, st, id, campaign.Sending, now, time.Time{}, stdout)
	case "cancel":
		return campaignMove(ctx, st, id, campaign.Cancelled, now, time.Time{}, stdout)
	case "test":
		return campaignTest(ctx, st, id, f.to, stdout)
	default:
		watch := f.watch || (!c.json && isTerminal(stdout))
		return campaignStatus(ctx, st, id, c.json, watch, stdout)
	}
}

// campaignDraft makes the draft the flags of campaign create describe, as
// far as it can be made without the database: its newsletter and articles
// are found by campaignCreate.
func campaignDraft(f campaignFlags) (campaign.Campaign, error) {
	if f.newsletter == "" || f.subject == "" {
		return campaign.Campaign{}, &usageError{msg: "campaign create needs --newsletter and --subject"}
	}
	if (len(f.articles) == 0) == (f.markdown == "") {
		return campaign.Campaign{}, &usageError{msg: "campaign create needs --article SLUG (one or more) or --markdown FILE"}
	}
	language := strings.ToLower(strings.TrimSpace(f.language))
	if language != "" {
		// A tag no subscriber can hold would send the campaign to nobody.
		if err := lang.Check(language); err != nil {
			return campaign.Campaign{}, &usageError{msg: "--audience-language: " + err.Error(), help: "campaign create"}
		}
	}
	cp := campaign.Campaign{Subject: f.subject, Preheader: f.preheader, ArticleMode: campaign.Mode(f.mode),
		AudienceTags: f.tags, AudienceLanguage: language, State: campaign.Draft}
	if f.markdown != "" {
		data, err := os.ReadFile(f.markdown)
		if err != nil {
			return campaign.Campaign{}, err
		}
		cp.Markdown = string(data)
	}
	// Checked as it will be stored, but for what only the database knows.
	probe := cp
	probe.NewsletterID, probe.ArticleIDs = 1, make([]int64, len(f.articles))
	if err := probe.Validate(); err != nil {
		return campaign.Campaign{}, err
	}
	return cp, nil
}

// campaignCreate stores the draft cp in the newsletter and with the
// articles the flags name, and prints its ID.
func campaignCreate(ctx context.Context, st database, cp campaign.Campaign, f campaignFlags, stdout io.Writer) error {
	nls, err := st.Newsletters(ctx)
	if err != nil {
		return err
	}
	for _, nl := range nls {
		if nl.Slug == f.newsletter {
			cp.NewsletterID = nl.ID
		}
	}
	if cp.NewsletterID == 0 {
		return fmt.Errorf("no newsletter has the slug %q (see herald newsletter list)", f.newsletter)
	}
	for _, slug := range f.articles {
		a, err := st.ArticleBySlug(ctx, slug)
		if errors.Is(err, article.ErrNotFound) {
			return fmt.Errorf("no article has the slug %q", slug)
		}
		if err != nil {
			return err
		}
		cp.ArticleIDs = append(cp.ArticleIDs, a.ID)
	}
	if err := cp.Validate(); err != nil {
		return err
	}
	id, err := st.CreateCampaign(ctx, &cp)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, id) // alone, so scripts can take it
	return nil
}

// campaignSend starts campaign id now, or schedules it for at, once
// campaign.Start agrees.
func campaignSend(ctx context.Context, st database, id int64, now, at time.Time, stdout io.Writer) error {
	cp, err := st.Campaign(ctx, id)
	if err != nil {
		return campaignErr(id, campaign.Sending, err)
	}
	arts, err := st.ArticlesByID(ctx, cp.ArticleIDs)
	if err != nil {
		return err
	}
	to, err := campaign.Start(arts, now, at)
	var ve *campaign.ValidationError
	if errors.As(err, &ve) {
		return fmt.Errorf("campaign %d cannot be sent: %s", id, startReason(ve))
	}
	if err != nil {
		return err
	}
	return campaignMove(ctx, st, id, to, now, at, stdout)
}

// startReason words a refusal of campaign.Start for the command line.
func startReason(ve *campaign.ValidationError) string {
	if ve.Field == "send_at" {
		return "the time given with --at " + ve.Message
	}
	return ve.Error()
}

// campaignErr words a failure to move campaign id to state to.
func campaignErr(id int64, to campaign.State, err error) error {
	switch {
	case errors.Is(err, campaign.ErrNotFound):
		return fmt.Errorf("no campaign %d", id)
	case errors.Is(err, campaign.ErrState):
		return fmt.Errorf("campaign %d cannot become %s: %v", id, to, errors.Unwrap(err))
	}
	return err
}

func campaignMove(ctx context.Context, st database, id int64, to campaign.State, now, at time.Time, stdout io.Writer) error {
	if err := st.MoveCampaign(ctx, id, to, now, at); err != nil {
		return campaignErr(id, to, err)
	}
	switch to {
	case campaign.Scheduled:
		fmt.Fprintf(stdout, "campaign %d scheduled for %s\n", id, at.Local().Format(time.RFC1123))
	case campaign.Sending:
		fmt.Fprintf(stdout, "campaign %d is sending; the running herald serve sends it (herald campaign status %d)\n", id, id)
	default:
		fmt.Fprintf(stdout, "campaign %d is %s\n", id, to)
	}
	return nil
}

// campaignTest queues a test copy of campaign id for each address of to.
// Every address is checked before any is queued, so a typing error in
// one does not leave the others half sent.
func campaignTest(ctx context.Context, st database, id int64, to string, stdout io.Writer) error {
	var emails []string
	for _, a := range strings.Split(to, ",") {
		if a = strings.TrimSpace(a); a == "" {
			continue
		}
		email, err := subscriber.NormalizeEmail(a)
		if err != nil {
			return fmt.Errorf("--to %q: %v; no test was queued", a, err)
		}
		if !slices.Contains(emails, email) {
			emails = append(emails, email)
		}
	}
	switch {
	case len(emails) == 0:
		return &usageError{msg: "campaign test needs --to ADDRESS"}
	case len(emails) > campaign.MaxTestRecipients:
		return fmt.Errorf("--to lists %d addresses; a test goes to at most %d; no test was queued", len(emails), campaign.MaxTestRecipients)
	}
	if _, err := st.Campaign(ctx, id); errors.Is(err, campaign.ErrNotFound) {
		return fmt.Errorf("no campaign %d", id)
	} else if err != nil {
		return err
	}
	for _, email := range emails {
		if err := st.QueueTestSend(ctx, id, email, time.Now()); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "test of campaign %d queued for %s\n", id, email)
	}
	return nil
}

// campaignList prints every campaign, newest first.
func campaignList(ctx context.Context, st database, asJSON bool, stdout io.Writer) error {
	enc := json.NewEncoder(stdout)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	if !asJSON {
		fmt.Fprintln(tw, "ID\tSTATE\tSENT\tFAILED\tTOTAL\tSUBJECT")
	}
	var before int64
	for {
		list, err := st.ListCampaigns(ctx, before, listPage)
		if err != nil {
			return err
		}
		for _, c := range list {
			if asJSON {
				if err := enc.Encode(statusJSON(c)); err != nil {
					return err
				}
				continue
			}
			fmt.Fprintf(tw, "%d\t%s\t%d\t%d\t%d\t%s\n", c.ID, c.State, c.Sent, c.Failed, c.Total, c.Subject)
		}
		if len(list) < listPage {
			break
		}
		before = list[len(list)-1].ID
	}
	if asJSON {
		return nil
	}
	return tw.Flush()
}

type campaignStatusJSON struct {
	ID        int64  `json:"id"`
	State     string `json:"state"`
	Total     int    `json:"total"`
	Sent      int    `json:"sent"`
	Failed    int    `json:"failed"`
	Skipped   int    `json:"skipped"`
	Remaining int    `json:"remaining"`
}

func statusJSON(c campaign.Campaign) campaignStatusJSON {
	return campaignStatusJSON{ID: c.ID, State: string(c.State), Total: c.Total, Sent: c.Sent, Failed: c.Failed,
		Skipped: c.Skipped, Remaining: c.Remaining()}
}

// campaignStatus prints the campaign's progress once, or as a live bar
// with the sending rate and the time left until it ends.
func campaignStatus(ctx context.Context, st database, id int64, asJSON, watch bool, stdout io.Writer) error {
	c, err := st.Campaign(ctx, id)
	if errors.Is(err, campaign.ErrNotFound) {
		return fmt.Errorf("no campaign %d", id)
	}
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(stdout).Encode(statusJSON(c))
	}
	type sample struct {
		at   time.Time
		done int
	}
	var samples []sample
	for {
		done := c.Sent + c.Failed + c.Skipped
		samples = append(samples, sample{time.Now(), done})
		if len(samples) > 10 {
			samples = samples[1:]
		}
		rate := 0.0
		if first := samples[0]; len(samples) > 1 {
			rate = float64(done-first.done) / time.Since(first.at).Seconds()
		}
		line := progressLine(c, rate)
		if !watch {
			fmt.Fprintln(stdout, line)
			return nil
		}
		// A cancelled campaign's mail already with a sender is still
		// answered: the counts are final once none is left in flight.
		ended := c.State == campaign.Sent || c.State == campaign.Cancelled || c.State == campaign.Draft
		if ended {
			inFlight, err := st.CampaignInFlight(ctx, id, time.Now())
			if err != nil {
				return err
			}
			if inFlight > 0 {
				ended = false
				line += fmt.Sprintf("  awaiting %d in flight", inFlight)
			} else if c, err = st.Campaign(ctx, id); err != nil {
				return err
			} else {
				line = progressLine(c, rate) // with the answers written since it was read
			}
		}
		fmt.Fprintf(stdout, "\r\033[K%s", line)
		if ended {
			fmt.Fprintln(stdout)
			return nil
		}
		select {
		case <-ctx.Done():
			fmt.Fprintln(stdout)
			return nil
		case <-time.After(500 * time.Millisecond):
		}
		if c, err = st.Campaign(ctx, id); err != nil {
			return err
		}
	}
}

func progressLine(c campaign.Campaign, rate float64) string {
	const width = 30
	done := c.Sent + c.Failed + c.Skipped
	frac := 0.0
	if c.Total > 0 {
		frac = float64(done) / float64(c.Total)
	}
	bar := strings.Repeat("█", int(frac*width)) + strings.Repeat("░", width-int(frac*width))
	left := "-"
	if rate > 0 && c.Remaining() > 0 {
		// Whole seconds, rounded up: what remains takes a part of one too.
		secs := math.Ceil(float64(c.Remaining()) / rate)
		if secs < float64(math.MaxInt64/int64(time.Second)) {
			left = (time.Duration(secs) * time.Second).String()
		}
	}
	total := strconv.Itoa(c.Total)
	if c.FrozenAt.IsZero() && (c.State == campaign.Sending || c.State == campaign.Paused) {
		total += "+" // the audience is still being written into the ledger
	}
	return fmt.Sprintf("campaign %d %-9s %s %5.1f%%  sent %d  failed %d  skipped %d  remaining %d of %s  %.0f/s  left %s",
		c.ID, c.State, bar, frac*100, c.Sent, c.Failed, c.Skipped, c.Remaining(), total, rate, left)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
