package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/net/html"

	"herald/internal/article"
	"herald/internal/campaign"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// xssPayloads are stored-XSS attempts of every kind we know of: script
// elements, event handlers, javascript: URLs, SVG and MathML, breaking out
// of attributes, textareas, titles and comments, template syntax, and
// Unicode that looks like markup or hides a scheme.
var xssPayloads = []string{
	`<script>alert(1)</script>`,
	`<SCRIPT SRC=//evil.example/x.js></SCRIPT>`,
	`<script src="data:text/javascript,alert(1)"></script>`,
	`<scr<script>ipt>alert(1)</scr</script>ipt>`,
	`<script/x>alert(1)</script>`,
	`<script	>alert(1)</script>`,
	`</script><script>alert(1)</script>`,
	`<img src=x onerror=alert(1)>`,
	`<img src="x" onerror="alert(1)">`,
	`<IMG SRC=javascript:alert('XSS')>`,
	`<img src=javascript:alert(1)>`,
	`<img """><script>alert(1)</script>">`,
	`<img src=x:alert(alt) onerror=eval(src) alt=0>`,
	`<image src=x onerror=alert(1)>`,
	`<svg onload=alert(1)>`,
	`<svg/onload=alert(1)>`,
	`<svg><script>alert(1)</script></svg>`,
	`<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">x</text></a></svg>`,
	`<svg><animate onbegin=alert(1) attributeName=x dur=1s>`,
	`<svg><set attributeName="onload" to="alert(1)"/></svg>`,
	`<svg><use href="data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'><image href='1' onerror='alert(1)'/></svg>#x"/></svg>`,
	`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
	`<math href="javascript:alert(1)">x</math>`,
	`<body onload=alert(1)>`,
	`<body onpageshow=alert(1)>`,
	`<iframe src="javascript:alert(1)"></iframe>`,
	`<iframe srcdoc="<script>alert(1)</script>"></iframe>`,
	`<object data="javascript:alert(1)"></object>`,
	`<embed src="javascript:alert(1)">`,
	`<a href="javascript:alert(1)">click</a>`,
	`<a href="JaVaScRiPt:alert(1)">click</a>`,
	`<a href=" javascript:alert(1)">click</a>`,
	"<a href=\"java\tscript:alert(1)\">click</a>",
	`<a href="jav&#x09;ascript:alert(1)">click</a>`,
	`<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">click</a>`,
	`<a href="&#x6A;avascript:alert(1)">click</a>`,
	`<a href="vbscript:msgbox(1)">click</a>`,
	`<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">click</a>`,
	`<a href="javascript&colon;alert(1)">click</a>`,
	`<a xlink:href="javascript:alert(1)">x</a>`,
	`<a href="#" onclick="alert(1)">click</a>`,
	`<a onmouseover=alert(1)>hover</a>`,
	`<form action="javascript:alert(1)"><button>x</button></form>`,
	`<button formaction="javascript:alert(1)">x</button>`,
	`<input autofocus onfocus=alert(1)>`,
	`<input type="image" src="x" onerror="alert(1)">`,
	`<select autofocus onfocus=alert(1)>`,
	`<textarea autofocus onfocus=alert(1)>`,
	`<keygen autofocus onfocus=alert(1)>`,
	`<video><source onerror="alert(1)"></video>`,
	`<audio src=x onerror=alert(1)>`,
	`<details open ontoggle=alert(1)>`,
	`<marquee onstart=alert(1)>x</marquee>`,
	`<div style="background:url(javascript:alert(1))">x</div>`,
	`<div style="width:expression(alert(1))">x</div>`,
	`<style>@import 'javascript:alert(1)';</style>`,
	`<style>*{background:url("javascript:alert(1)")}</style>`,
	`<link rel=stylesheet href="javascript:alert(1)">`,
	`<meta http-equiv="refresh" content="0;url=javascript:alert(1)">`,
	`<base href="javascript:alert(1)//">`,
	`<isindex action="javascript:alert(1)" type=image>`,
	`<table background="javascript:alert(1)">`,
	`<td background="javascript:alert(1)">`,
	`<div onpointerover=alert(1)>x</div>`,
	`<x onclick=alert(1)>click`,
	`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
	`<noembed><img title="</noembed><img src=x onerror=alert(1)>"></noembed>`,
	`<template><script>alert(1)</script></template>`,
	`<!--<img src="--><img src=x onerror=alert(1)//">`,
	`--><script>alert(1)</script><!--`,
	`"><script>alert(1)</script>`,
	`'><script>alert(1)</script>`,
	`" onmouseover="alert(1)`,
	`' onmouseover='alert(1)`,
	`" autofocus onfocus="alert(1)" x="`,
	`"><img src=x onerror=alert(1)>`,
	"`><img src=x onerror=alert(1)>",
	`</textarea><script>alert(1)</script>`,
	`</title><script>alert(1)</script>`,
	`</style><script>alert(1)</script>`,
	`</option></select><img src=x onerror=alert(1)>`,
	`</pre><script>alert(1)</script>`,
	`]]><script>alert(1)</script>`,
	`<![CDATA[<script>alert(1)</script>]]>`,
	`{{.}}`,
	`{{template "layout" .}}`,
	`{{printf "%s" "<script>alert(1)</script>"}}`,
	`{{define "main"}}<script>alert(1)</script>{{end}}`,
	`${alert(1)}`,
	`#{alert(1)}`,
	`{{constructor.constructor('alert(1)')()}}`,
	`<%= alert(1) %>`,
	`\u003cscript\u003ealert(1)\u003c/script\u003e`,
	`\x3cscript\x3ealert(1)\x3c/script\x3e`,
	`&lt;script&gt;alert(1)&lt;/script&gt;`,
	`%3Cscript%3Ealert(1)%3C%2Fscript%3E`,
	"＜script＞alert(1)＜/script＞",
	"\u202e>tpircs/<)1(trela>tpircs<",
	"java\u200bscript:alert(1)",
	"<a href=\"java\u200bscript:alert(1)\">zero width</a>",
	"<a href=\"\u0001javascript:alert(1)\">control</a>",
	"<img src=x onerror\u000c=alert(1)>",
	"<img src=x\u2028onerror=alert(1)>",
	"<scr\u0130pt>alert(1)</scr\u0130pt>",
	"<ſcript>alert(1)</ſcript>",
	"\ufeff<script>alert(1)</script>",
	`[click](javascript:alert(1))`,
	`[click](JAVASCRIPT:alert(1))`,
	`[click](&#106;avascript:alert(1))`,
	`![img](javascript:alert(1))`,
	`![x](x" onerror="alert(1))`,
	`<javascript:alert(1)>`,
	`[a]: javascript:alert(1)` + "\n\n[link][a]",
	"```html\n<script>alert(1)</script>\n```",
	`<a href="/admin/subscribers/1/erase">looks local</a>`,
	`=cmd|' /C calc'!A0`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
}

// TestStoredXSSIsInert stores every payload wherever people type text the
// app shows, then opens every page as the owner, who sees the most, and
// checks the HTML that comes back holds no script but the app's own.
func TestStoredXSSIsInert(t *testing.T) {
	if len(xssPayloads) < 100 {
		t.Fatalf("only %d payloads", len(xssPayloads))
	}
	e := newEnv(t)
	ctx := context.Background()
	line := func(p string) string {
		return strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == 0 {
				return ' '
			}
			return r
		}, p)
	}
	var articleIDs, subscriberIDs, campaignIDs []int64
	for i, p := range xssPayloads {
		one := line(p)
		a := article.Article{Title: one, Standfirst: one, Body: p + "\n\n" + p, Section: truncateRunes("Section "+one, 90),
			Authors: []article.Author{{Name: truncateRunes("Author "+one, 190)}}, Tags: []article.Tag{{Name: truncateRunes("Tag "+one, 90)}},
			Slug: fmt.Sprintf("payload-%d", i), Language: "en", Status: article.Published, PublishedAt: e.clock.Now().Add(-time.Hour)}
		if i%3 == 0 {
			a.Status = article.Draft
		}
		if _, err := e.pub.Publish(ctx, &a); err != nil {
			t.Fatalf("payload %d as article: %v", i, err)
		}
		articleIDs = append(articleIDs, a.ID)
		email := fmt.Sprintf("payload%d@example.net", i)
		if err := e.st.RecordSignups(ctx, []subscriber.Signup{{Email: email, Name: one, Newsletters: []int64{1},
			Source: one, Wording: one, IP: truncateRunes(one, 60), At: e.clock.Now()}}, time.Hour); err != nil {
			t.Fatalf("payload %d as subscriber: %v", i, err)
		}
		subs, _ := e.st.SearchSubscribers(ctx, email, "", 0, "", 0, 1)
		subscriberIDs = append(subscriberIDs, subs[0].ID)
		if err := e.st.SetSubscriberTags(ctx, subs[0].ID, []string{truncateRunes(one, 60), "plain"}); err != nil {
			t.Fatal(err)
		}
		if i%4 == 0 {
			c := campaign.Campaign{NewsletterID: 1, Subject: truncateRunes(one, 190), Preheader: one, Markdown: p,
				ArticleIDs: []int64{a.ID}, State: campaign.Draft, Kind: campaign.Manual, ArticleMode: campaign.Full}
			id, err := e.st.CreateCampaign(ctx, &c)
			if err != nil {
				t.Fatalf("payload %d as campaign: %v", i, err)
			}
			campaignIDs = append(campaignIDs, id)
		}
		if i%10 == 0 {
			if _, err := e.st.AddOutboxMessage(ctx, outboxMessage(email)); err != nil {
				t.Fatal(err)
			}
		}
	}
	words, _ := json.Marshal(signupWords{Heading: line(xssPayloads[0]), Intro: line(xssPayloads[14]), Button: line(xssPayloads[70]),
		Consent: line(xssPayloads[75])})
	for k, v := range map[string]string{settingName: line(xssPayloads[71]), settingLogo: "javascript:alert(1)",
		settingLanguages: "en", signupKeyPrefix + "en": string(words)} {
		if err := e.st.SetSetting(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	nl := subscriber.Newsletter{Slug: "payloads", Name: line(xssPayloads[8]), Description: line(xssPayloads[29]),
		SenderName: line(xssPayloads[72]), Language: "en", Timezone: "UTC", DigestTime: "07:00", CreatedAt: e.clock.Now()}
	if _, err := e.st.CreateNewsletter(ctx, &nl); err != nil {
		t.Fatal(err)
	}
	e.account(t, "payload-staff@news.example.org", user.Author)
	if _, err := e.users.Create(ctx, user.User{Email: "named@news.example.org", Name: truncateRunes(line(xssPayloads[7]), 99), Role: user.Viewer}, testPassword); err != nil {
		t.Fatal(err)
	}

	pages := []string{"/admin/", "/admin/articles", "/admin/articles?status=draft", "/admin/articles/new", "/admin/campaigns",
		"/admin/campaigns/new", "/admin/newsletters", "/admin/newsletters/2", "/admin/subscribers", "/admin/subscribers?tag=plain",
		"/admin/subscribers/import", "/admin/staff", "/admin/settings", "/admin/outbox"}
	for _, id := range articleIDs {
		pages = append(pages, fmt.Sprintf("/admin/articles/%d", id))
	}
	for _, id := range subscriberIDs {
		pages = append(pages, fmt.Sprintf("/admin/subscribers/%d", id))
	}
	for _, id := range campaignIDs {
		pages = append(pages, fmt.Sprintf("/admin/campaigns/%d", id), fmt.Sprintf("/admin/campaigns/%d/email", id),
			fmt.Sprintf("/admin/campaigns/%d/edit", id))
	}
	outbox, _ := e.st.ListOutbox(ctx, 0, 100)
	for _, m := range outbox {
		pages = append(pages, fmt.Sprintf("/admin/outbox/%d", m.ID), fmt.Sprintf("/admin/outbox/%d/html", m.ID))
	}
	owner := e.as(t, user.Owner)
	for _, p := range pages {
		r := owner.get(p)
		if r.status != http.StatusOK {
			t.Errorf("GET %s: %d", p, r.status)
			continue
		}
		for _, problem := range activeContent(r.body) {
			t.Errorf("GET %s: %s", p, problem)
		}
	}
	// The live preview answers with HTML that goes into the page as it is.
	for i, p := range xssPayloads {
		r := owner.post("/admin/articles/preview", map[string][]string{"body": {p}})
		for _, problem := range activeContent(r.body) {
			t.Errorf("preview of payload %d: %s", i, problem)
		}
	}
}

// TestActiveContentFindsScript makes sure the checker above would notice:
// each of these pages must be reported, and the app's own page must not.
func TestActiveContentFindsScript(t *testing.T) {
	for _, bad := range []string{
		`<p><script>alert(1)</script></p>`,
		`<script src="/admin/static/admin.js">alert(1)</script>`,
		`<script src="//evil.example/x.js"></script>`,
		`<img src=x onerror=alert(1)>`,
		`<svg><g onload="alert(1)"></g></svg>`,
		`<a href=" JaVa	ScRiPt:alert(1)">x</a>`,
		`<a href="&#106;avascript:alert(1)">x</a>`,
		`<svg><a xlink:href="javascript:alert(1)">x</a></svg>`,
		`<form><button formaction="javascript:alert(1)">x</button></form>`,
		`<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>`,
		`<object data="x.swf"></object>`,
		`<meta http-equiv="Refresh" content="0;url=javascript:alert(1)">`,
		`<a href="data:text/html,<script>alert(1)</script>">x</a>`,
	} {
		if len(activeContent(bad)) == 0 {
			t.Errorf("activeContent(%q) found nothing", bad)
		}
	}
	e := newEnv(t)
	if got := activeContent(e.as(t, user.Owner).get("/admin/").body); len(got) != 0 {
		t.Errorf("the dashboard itself is reported: %v", got)
	}
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}

// urlAttrs are the attributes a browser follows as an address.
var urlAttrs = map[string]bool{"href": true, "src": true, "action": true, "formaction": true, "xlink:href": true,
	"data": true, "poster": true, "background": true, "cite": true, "srcset": true, "ping": true}

// activeContent lists what in a page could run script: script elements not
// loaded from the app's static files, event handler attributes, script
// URLs, and elements that load or replace documents.
func activeContent(page string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return []string{"does not parse: " + err.Error()}
	}
	var out []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			name := strings.ToLower(n.Data)
			switch name {
			case "script":
				src := attr(n, "src")
				if !strings.HasPrefix(src, "/admin/static/") || n.FirstChild != nil {
					out = append(out, fmt.Sprintf("script element (src=%q)", src))
				}
			case "object", "embed", "base", "applet", "frame", "frameset", "portal":
				out = append(out, "<"+name+"> element")
			case "iframe":
				if attr(n, "srcdoc") != "" || !strings.HasPrefix(attr(n, "src"), "/admin/") {
					out = append(out, fmt.Sprintf("iframe of %q", attr(n, "src")))
				}
			case "meta":
				if strings.EqualFold(attr(n, "http-equiv"), "refresh") {
					out = append(out, "meta refresh")
				}
			}
			for _, a := range n.Attr {
				key := strings.ToLower(a.Key)
				if a.Namespace != "" {
					key = a.Namespace + ":" + key
				}
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					out = append(out, fmt.Sprintf("<%s %s=%q>", name, a.Key, a.Val))
				}
				if urlAttrs[strings.ToLower(a.Key)] || key == "xlink:href" {
					if scheme := dangerousScheme(a.Val); scheme != "" {
						out = append(out, fmt.Sprintf("<%s %s=%q> (%s URL)", name, a.Key, a.Val, scheme))
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// dangerousScheme returns the scheme of a URL that runs script or carries
// a document, reading it as a browser does: control characters and spaces
// are dropped, case does not matter.
func dangerousScheme(u string) string {
	clean := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			return -1
		}
		return unicode.ToLower(r)
	}, u)
	for _, s := range []string{"javascript:", "vbscript:", "data:text/html", "data:application/xhtml", "data:image/svg"} {
		if strings.HasPrefix(clean, s) {
			return strings.TrimSuffix(s, ":")
		}
	}
	return ""
}
