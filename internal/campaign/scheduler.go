package campaign

import (
	"context"
	"errors"
	"herald/internal/article"
	"log/slog"
	"time"
)

// SchedulerStore is what the clock-driven side of campaigns needs. Every
// method is a conditional update, so several processes may run a scheduler
// on one database and each change still happens once.
type SchedulerStore interface {
	// DueCampaigns lists the scheduled campaigns whose time has come.
	DueCampaigns(ctx context.Context, now time.Time) ([]int64, error)
	Campaign(ctx context.Context, id int64) (Campaign, error)
	ArticlesByID(ctx context.Context, ids []int64) ([]article.Article, error)
	MoveCampaign(ctx context.Context, id int64, to State, at, sendAt time.Time) error
	// StartDue moves a campaign to sending only if it is still scheduled
	// and due at now; ErrState otherwise.
	StartDue(ctx context.Context, id int64, now time.Time) error
	CampaignsToFreeze(ctx context.Context) ([]int64, error)
	FreezeChunk(ctx context.Context, id int64, limit int, now time.Time) (added int, done bool, err error)
	FinishCampaigns(ctx context.Context, now time.Time) ([]int64, error)
}

// Scheduler starts scheduled campaigns, freezes their audiences into the
// ledger, marks them sent when the ledger is done, and runs digests.
type Scheduler struct {
	store   SchedulerStore
	digests *Digests // nil: no digests
	queued  func()   // wakes the send engine
	now     func() time.Time
	logger  *slog.Logger
	every   time.Duration
	chunk   int
	nudge   chan struct{}
	events  Events
	news    Announcer
}

// Announcer tells listeners of the articles that came out: scheduled ones
// come out on the clock.
type Announcer interface {
	Announce(ctx context.Context) error
}

// Events receives what happened, for whoever listens (webhooks).
type Events interface {
	Emit(ctx context.Context, event string, payload any) error
}

// SchedulerConfig sets up a Scheduler.
type SchedulerConfig struct {
	Store   SchedulerStore
	Digests *Digests
	Queued  func()
	Now     func() time.Time
	Logger  *slog.Logger
	Every   time.Duration // default 1 s
	Chunk   int           // audience rows written per transaction; default 20,000
	Events  Events        // optional: hears campaign.sent
	// Articles, optional, announces articles whose time came.
	Articles Announcer
}

// NewScheduler returns a scheduler; call Run.
func NewScheduler(cfg SchedulerConfig) *Scheduler {
	s := &Scheduler{store: cfg.Store, digests: cfg.Digests, queued: cfg.Queued, now: cfg.Now, logger: cfg.Logger,
		every: cfg.Every, chunk: cfg.Chunk, nudge: make(chan struct{}, 1), events: cfg.Events, news: cfg.Articles}
	if s.queued == nil {
		s.queued = func() {}
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.logger == nil {
		s.logger = slog.New(slog.DiscardHandler)
	}
	if s.every <= 0 {
		s.every = time.Second
	}
	if s.chunk <= 0 {
		s.chunk = 20000
	}
	return s
}

// Nudge asks for a tick now, after a campaign was sent or scheduled here.
func (s *Scheduler) Nudge() {
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}

// Run ticks until ctx ends.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTicker(s.every)
	defer t.Stop()
	for {
		s.Tick(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.nudge:
		}
	}
}

// Tick does one round of the scheduler's work. Errors are logged: the next
// tick tries again, and nothing here is lost by waiting.
func (s *Scheduler) Tick(ctx context.Context) {
	now := s.now()
	// fail logs an error, unless it only says that the server is stopping.
	fail := func(msg string, args ...any) {
		if ctx.Err() == nil {
			s.logger.Error(msg, args...)
		}
	}
	if ids, err := s.store.DueCampaigns(ctx, now); err != nil {
		fail("due campaigns", "err", err)
	} else {
		for _, id := range ids {
			if err := s.start(ctx, id, now); err != nil {
				fail("start campaign", "campaign", id, "err", err)
			}
		}
	}
	if s.news != nil {
		if err := s.news.Announce(ctx); err != nil {
			fail("announce articles", "err", err)
		}
	}
	if s.digests != nil {
		// Read the clock again: what was announced just now, such as an
		// article scheduled for the digest's own time, belongs in it.
		if err := s.digests.Run(ctx, s.now()); err != nil {
			fail("digests", "err", err)
		}
	}
	ids, err := s.store.CampaignsToFreeze(ctx)
	if err != nil {
		fail("campaigns to freeze", "err", err)
	}
	for _, id := range ids {
		for ctx.Err() == nil {
			added, done, err := s.store.FreezeChunk(ctx, id, s.chunk, s.now())
			if err != nil {
				fail("freeze campaign audience", "campaign", id, "err", err)
				break
			}
			if added > 0 {
				s.queued()
			}
			if done {
				s.logger.Info("campaign audience frozen", "campaign", id)
				break
			}
		}
	}
	finished := s.now()
	if ids, err := s.store.FinishCampaigns(ctx, finished); err != nil {
		fail("finish campaigns", "err", err)
	} else {
		for _, id := range ids {
			s.logger.Info("campaign sent", "campaign", id)
			if s.events != nil {
				// The campaign is marked sent already: its event must not be
				// lost to a shutdown that began meanwhile. Its time is the
				// one stored, to the millisecond.
				ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
				err := s.events.Emit(ectx, "campaign.sent", map[string]any{"id": id, "finished_at": finished.UTC().Truncate(time.Millisecond)})
				cancel()
				if err != nil {
					fail("emit campaign.sent", "campaign", id, "err", err)
				}
			}
		}
	}
}

// start sends a scheduled campaign whose time has come, if it still may be
// sent: an article it carries may have been unpublished since it was
// scheduled, and readers following the email's link would find nothing. Such
// a campaign goes back to draft, for the newsroom to see to. Another process
// may have started it first, which is no failure.
func (s *Scheduler) start(ctx context.Context, id int64, now time.Time) error {
	c, err := s.store.Campaign(ctx, id)
	if err != nil {
		return err
	}
	arts, err := s.store.ArticlesByID(ctx, c.ArticleIDs)
	if err != nil {
		return err
	}
	if _, refused := Start(arts, now, time.Time{}); refused != nil {
		err := s.store.MoveCampaign(ctx, id, Draft, now, time.Time{})
		if errors.Is(err, ErrState) {
			return nil
		}
		if err != nil {
			return err
		}
		s.logger.Warn("scheduled campaign not sent: back to draft", "campaign", id, "reason", refused.Error())
		return nil
	}
	// Only if it is still scheduled and due: an editor may have taken it
	// back to draft or moved it since it was found due.
	err = s.store.StartDue(ctx, id, now)
	if errors.Is(err, ErrState) {
		return nil
	}
	if err == nil {
		s.logger.Info("campaign started", "campaign", id)
	}
	return err
}
