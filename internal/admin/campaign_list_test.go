package admin

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"sync/atomic"
	"testing"
	"time"

	"herald/internal/campaign"
	"herald/internal/user"
)

// countedCampaigns counts the audiences the app asks the store to size.
type countedCampaigns struct {
	CampaignStore
	sized atomic.Int64
}

func (c *countedCampaigns) AudienceSize(ctx context.Context, newsletterID int64, language string, tags []string) (int, error) {
	c.sized.Add(1)
	return c.CampaignStore.AudienceSize(ctx, newsletterID, language, tags)
}

var audienceCell = regexp.MustCompile(`(?s)<a href="/admin/campaigns/(\d+)">.*?<td class="num">(\d+)(?: <small>if sent now</small>)?</td>\s*<td>`)

// The list's Audience column shows whom a draft or a scheduled campaign
// would reach now, counting only the campaigns on the page shown.
func TestCampaignListCountsAudiences(t *testing.T) {
	var counted *countedCampaigns
	e := newEnv(t, func(cfg *Config) {
		counted = &countedCampaigns{CampaignStore: cfg.Campaigns}
		cfg.Campaigns = counted
	})
	ctx := context.Background()
	e.subscribe(t, "ana@example.net", "bo@example.net", "cy@example.net")
	if err := e.st.SetSubscriberTags(ctx, 1, []string{"harbour"}); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for i := range campaignPageSize + 5 {
		c := campaign.Campaign{NewsletterID: 1, Subject: fmt.Sprint("Issue ", i), Markdown: "Hello.", State: campaign.Draft, Kind: campaign.Manual, ArticleMode: campaign.Full}
		n := "3"
		switch {
		case i%3 == 1:
			c.AudienceTags, n = []string{"harbour"}, "1"
		case i%3 == 2:
			c.AudienceTags, n = []string{fmt.Sprint("tag-", i)}, "0"
		}
		id, err := e.st.CreateCampaign(ctx, &c)
		if err != nil {
			t.Fatal(err)
		}
		if i == campaignPageSize+4 {
			if err := e.st.MoveCampaign(ctx, id, campaign.Scheduled, e.clock.Now(), e.clock.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}
		want[fmt.Sprint(id)] = n
	}
	counted.sized.Store(0)
	page := e.as(t, user.Viewer).get("/admin/campaigns")
	mustStatus(t, "the campaign list", page, http.StatusOK)
	rows := audienceCell.FindAllStringSubmatch(page.body, -1)
	if len(rows) != campaignPageSize {
		t.Fatalf("the list shows %d campaigns with an audience; want %d", len(rows), campaignPageSize)
	}
	for _, m := range rows {
		if m[2] != want[m[1]] {
			t.Errorf("campaign %s: audience shown %s; want %s", m[1], m[2], want[m[1]])
		}
	}
	// Two audiences are shared by many campaigns; each other one is asked
	// once, and none of the campaigns past the page.
	if n, most := counted.sized.Load(), int64(2+campaignPageSize/3+1); n > most {
		t.Errorf("the list sized %d audiences; want at most %d, one per audience on the page", n, most)
	}
}
