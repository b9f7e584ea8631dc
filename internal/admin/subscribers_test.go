package admin

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"herald/internal/delivery"
	"herald/internal/subscriber"
	"herald/internal/user"
)

// signup records a reader's signup as the newsletter box does.
func (e *env) signup(t *testing.T, email, name string) int64 {
	t.Helper()
	ctx := context.Background()
	err := e.st.RecordSignups(ctx, []subscriber.Signup{{Email: email, Name: name, Newsletters: []int64{1}, Source: "/articles/x",
		Wording: "I agree to receive the newsletter", IP: "192.0.2.7", At: e.clock.Now()}}, time.Hour)
	if err != nil {
		t.Fatalf("RecordSignups(%s): %v", email, err)
	}
	list, err := e.st.SearchSubscribers(ctx, email, "", 0, "", 0, 1)
	if err != nil || len(list) != 1 {
		t.Fatalf("find %s: %v, %d found", email, err, len(list))
	}
	return list[0].ID
}

func TestSubscriberSearchFiltersAndPages(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var ids []int64
	for i := range 60 {
		ids = append(ids, e.signup(t, fmt.Sprintf("reader%02d@example.net", i), ""))
	}
	e.signup(t, "odd_one%@example.net", "")
	if _, err := e.st.ConfirmSubscriber(ctx, ids[3], subscriber.Consent{SubscriberID: ids[3], Action: subscriber.ConsentConfirm, At: e.clock.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.SetSubscriberTags(ctx, ids[5], []string{"sports"}); err != nil {
		t.Fatal(err)
	}
	c := e.as(t, user.Editor)
	count := func(r response) int {
		return strings.Count(r.body, `<td><a href="/admin/subscribers/`)
	}
	first := c.get("/admin/subscribers")
	mustStatus(t, "list", first, http.StatusOK)
	if n := count(first); n != subscriberPageSize {
		t.Errorf("first page: %d subscribers, want %d", n, subscriberPageSize)
	}
	older := strings.ReplaceAll(regexpFind(first.body, `href="(/admin/subscribers\?before=[^"]+)"`), "&amp;", "&")
	if n := count(c.get(older)); n != 61-subscriberPageSize {
		t.Errorf("second page (%s): %d subscribers, want %d", older, n, 61-subscriberPageSize)
	}
	for q, want := range map[string][]string{
		"?q=READER07":                   {"reader07@example.net"},
		"?q=_one%25":                    {"odd_one%@example.net"},
		"?state=confirmed":              {"reader03@example.net"},
		"?state=confirmed&newsletter=1": {"reader03@example.net"},
		"?tag=Sports":                   {"reader05@example.net"},
	} {
		r := c.get("/admin/subscribers" + q)
		if n := count(r); n != len(want) {
			t.Errorf("search %s: %d found, want %d", q, n, len(want))
		}
		for _, w := range want {
			if !strings.Contains(r.body, w) {
				t.Errorf("search %s: %s not found", q, w)
			}
		}
	}
	mustStatus(t, "bad state", c.get("/admin/subscribers?state=gone"), http.StatusBadRequest)
}

func TestSubscriberPageTagsAndHistory(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.signup(t, "ana@example.net", "Ana")
	c := e.as(t, user.Editor)
	page := c.get(fmt.Sprintf("/admin/subscribers/%d", id))
	mustStatus(t, "subscriber page", page, http.StatusOK)
	for _, want := range []string{"ana@example.net", "I agree to receive the newsletter", "192.0.2.7", "/articles/x", "confirm", "queued"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("subscriber page lacks %q", want)
		}
	}
	mustStatus(t, "save tags", c.post(fmt.Sprintf("/admin/subscribers/%d/tags", id), url.Values{"tags": {"Sports, local; sports"}}), http.StatusSeeOther)
	if tags, _ := e.st.SubscriberTags(ctx, id); strings.Join(tags, ",") != "local,sports" {
		t.Errorf("tags = %q, want local,sports", tags)
	}
	mustStatus(t, "too long a tag", c.post(fmt.Sprintf("/admin/subscribers/%d/tags", id), url.Values{"tags": {strings.Repeat("x", 65)}}), http.StatusBadRequest)
	mustStatus(t, "no such subscriber", c.get("/admin/subscribers/999"), http.StatusNotFound)
}

// The subscriber page shows the language the person's mail is written in
// and lets an editor change it, or clear it so the site's applies.
func TestSubscriberPageLanguage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.signup(t, "ana@example.net", "Ana")
	path := fmt.Sprintf("/admin/subscribers/%d", id)
	language := func() string {
		t.Helper()
		sub, err := e.st.SubscriberByID(ctx, id)
		if err != nil {
			t.Fatalf("SubscriberByID(%d) = %v", id, err)
		}
		return sub.Language
	}
	editor := e.as(t, user.Editor)
	page := editor.get(path)
	mustStatus(t, "subscriber page", page, http.StatusOK)
	if !strings.Contains(page.body, `action="`+path+`/language"`) || !strings.Contains(page.body, "the site's language (en)") {
		t.Errorf("subscriber page without a language lacks the language form or says not that the site's applies:\n%s", page.body)
	}
	mustStatus(t, "save language", editor.post(path+"/language", url.Values{"language": {" PT-BR "}}), http.StatusSeeOther)
	if got := language(); got != "pt-br" {
		t.Errorf("language after saving PT-BR = %q; want pt-br", got)
	}
	if page := editor.get(path); !strings.Contains(page.body, `name="language" maxlength="12" value="pt-br"`) {
		t.Errorf("subscriber page does not show the language pt-br in its form:\n%s", page.body)
	}
	r := editor.post(path+"/language", url.Values{"language": {"en_US"}})
	mustStatus(t, "a language in another shape", r, http.StatusBadRequest)
	if !strings.Contains(r.body, "not a language tag") || !strings.Contains(r.body, `value="en_US"`) {
		t.Errorf("refused language: the form does not come back as typed with the reason:\n%s", r.body)
	}
	if got := language(); got != "pt-br" {
		t.Errorf("language after a refused one = %q; want pt-br kept", got)
	}
	mustStatus(t, "clear language", editor.post(path+"/language", url.Values{"language": {""}}), http.StatusSeeOther)
	if got := language(); got != "" {
		t.Errorf("language after clearing = %q; want none", got)
	}
	mustStatus(t, "save language", editor.post(path+"/language", url.Values{"language": {"fr"}}), http.StatusSeeOther)

	d := personalData{}
	r = e.as(t, user.Owner).get(path + "/data.json")
	if err := json.Unmarshal([]byte(r.body), &d); err != nil || d.Language != "fr" {
		t.Errorf("data.json = %+v, %v; want language fr", d, err)
	}
	r = editor.get("/admin/subscribers/export.csv?newsletter=1")
	recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil || len(recs) != 2 || recs[0][len(recs[0])-1] != "language" || recs[1][len(recs[1])-1] != "fr" {
		t.Errorf("export.csv = %q, %v; want language last, fr for ana", recs, err)
	}
}

func TestCSVExportNeutralisesFormulas(t *testing.T) {
	e := newEnv(t)
	e.signup(t, "ana@example.net", `=HYPERLINK("http://evil.example","click")`)
	e.signup(t, "bo@example.net", "+cmd|' /C calc'!A0")
	c := e.as(t, user.Editor)
	r := c.get("/admin/subscribers/export.csv?newsletter=1")
	mustStatus(t, "export", r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(r.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("export headers: %s, %s", ct, r.header.Get("Content-Disposition"))
	}
	recs, err := csv.NewReader(strings.NewReader(r.body)).ReadAll()
	if err != nil || len(recs) != 3 {
		t.Fatalf("export = %d records, %v\n%s", len(recs), err, r.body)
	}
	for _, rec := range recs[1:] {
		for _, cell := range rec {
			if cell != "" && strings.ContainsRune("=+-@", rune(cell[0])) {
				t.Errorf("cell %q would run as a formula", cell)
			}
		}
	}
	if recs[1][1] != `'=HYPERLINK("http://evil.example","click")` {
		t.Errorf("name cell = %q, want the formula quoted", recs[1][1])
	}
	mustStatus(t, "export without newsletter", c.get("/admin/subscribers/export.csv"), http.StatusBadRequest)
}

func TestPersonalDataExport(t *testing.T) {
	e := newEnv(t)
	id := e.signup(t, "ana@example.net", "Ana")
	r := e.as(t, user.Owner).get(fmt.Sprintf("/admin/subscribers/%d/data.json", id))
	mustStatus(t, "data export", r, http.StatusOK)
	var d personalData
	if err := json.Unmarshal([]byte(r.body), &d); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if d.Email != "ana@example.net" || d.Name != "Ana" || len(d.Consents) != 1 || d.Consents[0].IP != "192.0.2.7" ||
		len(d.Subscriptions) != 1 || d.Subscriptions[0].State != subscriber.Pending || len(d.Deliveries) != 1 || d.Deliveries[0].Kind != delivery.KindConfirm {
		t.Errorf("export = %+v", d)
	}
}

// TestErasureLeavesOnlyAKeyedHash erases a person and then looks for their
// address everywhere it was.
func TestErasureLeavesOnlyAKeyedHash(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.signup(t, "Ana@Example.net", "Ana")
	keep := e.signup(t, "bo@example.net", "Bo")
	if _, err := e.st.AddOutboxMessage(ctx, outboxMessage("ana@example.net")); err != nil {
		t.Fatal(err)
	}
	c := e.as(t, user.Editor)
	mustStatus(t, "erase without confirming", c.post(fmt.Sprintf("/admin/subscribers/%d/erase", id), nil), http.StatusBadRequest)
	mustStatus(t, "erase", c.post(fmt.Sprintf("/admin/subscribers/%d/erase", id), url.Values{"confirm": {"yes"}}), http.StatusSeeOther)
	mustStatus(t, "erased page", c.get(fmt.Sprintf("/admin/subscribers/%d", id)), http.StatusNotFound)
	for _, q := range []string{
		`SELECT count(*) FROM subscriber WHERE email_key = 'ana@example.net'`,
		`SELECT count(*) FROM consent WHERE subscriber_id = ` + fmt.Sprint(id),
		`SELECT count(*) FROM delivery WHERE lower(recipient) = 'ana@example.net'`,
		`SELECT count(*) FROM outbox WHERE lower(recipient) = 'ana@example.net'`,
		`SELECT count(*) FROM suppression WHERE email_key = 'ana@example.net'`,
		`SELECT count(*) FROM delivery WHERE subscriber_id = ` + fmt.Sprint(id) + ` AND state = 'queued'`,
	} {
		var n int
		if err := rawCount(t, e, q, &n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s = %d after erasure, want 0", q, n)
		}
	}
	key := subscriber.ErasureKey(testSecret, "ana@example.net")
	found, err := e.st.SuppressedKeys(ctx, []string{key})
	if err != nil || len(found) != 1 {
		t.Errorf("suppression of the keyed hash %s: %v, %v", key, found, err)
	}
	if key != subscriber.ErasureKey(testSecret, " ANA@example.NET ") || key == subscriber.ErasureKey([]byte(strings.Repeat("k", 40)), "ana@example.net") {
		t.Error("the keyed hash must follow the address in any case and change with the secret")
	}
	if _, err := e.st.SubscriberByID(ctx, keep); err != nil {
		t.Errorf("another subscriber went too: %v", err)
	}
	// Importing the address again leaves it out.
	rep := upload(t, c, "1", "people.csv", "email,name\nbo@example.net,Bo\nANA@example.net,Ana again\n")
	mustStatus(t, "import", rep, http.StatusOK)
	if !strings.Contains(rep.body, "erased on the person&#39;s request") {
		t.Errorf("the import report does not say the erased address was left out:\n%s", regexpFind(rep.body, `(?s)(<section.*</section>)`))
	}
	if list, _ := e.st.SearchSubscribers(ctx, "ana@", "", 0, "", 0, 5); len(list) != 0 {
		t.Error("the erased address was imported again")
	}
}

// upload sends the import form as a browser does: the fields in the order
// of the page, the file last.
func upload(t *testing.T, c *client, newsletter, name, content string) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.csrf)
	mw.WriteField("newsletter", newsletter)
	fw, _ := mw.CreateFormFile("file", name)
	io.WriteString(fw, content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.e.srv.URL+"/admin/subscribers/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

func TestImportReportsRejectedRows(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Editor)
	csvFile := "email,name,tags\nana@example.net,Ana,news\nnot-an-address,X,\nbo@example.net,Bo,\"a,b\"\n\"broken,quote\nana@example.net,,more\n"
	r := upload(t, c, "1", "list.csv", csvFile)
	mustStatus(t, "import", r, http.StatusOK)
	for _, want := range []string{"Report for list.csv", "<dt>New</dt><dd>1</dd>", "<dt>Left out</dt><dd>", "<td class=\"num\">3</td>"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("import report lacks %q", want)
		}
	}
	list, _ := e.st.SearchSubscribers(context.Background(), "ana@", "", 0, "", 0, 5)
	if len(list) != 1 || list[0].Subscriptions[0].State != subscriber.Pending {
		t.Errorf("imported = %+v; want ana pending", list)
	}
	// The scripts ask for JSON.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", c.csrf)
	mw.WriteField("newsletter", "1")
	mw.WriteField("confirmed", "yes")
	fw, _ := mw.CreateFormFile("file", "more.csv")
	io.WriteString(fw, "email\ncy@example.net\n")
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/subscribers/import", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Accept", "application/json")
	jr := c.do(req)
	var rep importReport
	if err := json.Unmarshal([]byte(jr.body), &rep); err != nil || rep.Result.Imported != 1 {
		t.Errorf("JSON report = %s (%v)", jr.body, err)
	}
	open := upload(t, c, "1", "open.csv", "email\ndi@example.net\n\"never@example.net\nclosed@example.net\n")
	if !strings.Contains(open.body, "Line 3: the quote that opens a field on this line is never closed") {
		t.Error("a quote never closed is not reported with its line")
	}
	bad := upload(t, c, "1", "bad.csv", "address,name\nx@example.net,X\n")
	if !strings.Contains(bad.body, "unknown column") {
		t.Error("a file with a wrong header is not explained")
	}
}

func TestImportChecksTokenBeforeReadingTheFile(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Editor)
	c.csrf = "forged"
	mustStatus(t, "import with a forged token", upload(t, c, "1", "x.csv", "email\nana@example.net\n"), http.StatusForbidden)
	if list, _ := e.st.SearchSubscribers(context.Background(), "", "", 0, "", 0, 5); len(list) != 0 {
		t.Error("a forged import stored subscribers")
	}
}

func TestImportOverTheLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads 51 MiB")
	}
	e := newEnv(t)
	c := e.as(t, user.Editor)
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("csrf", c.csrf)
		mw.WriteField("newsletter", "1")
		fw, _ := mw.CreateFormFile("file", "huge.csv")
		io.WriteString(fw, "email,name\n")
		line := []byte("not-an-address," + strings.Repeat("x", 80) + "\n")
		for written := 0; written < 51<<20; written += len(line) {
			if _, err := fw.Write(line); err != nil {
				break
			}
		}
		mw.Close()
		pw.Close()
	}()
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/subscribers/import", pr)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r := c.do(req)
	if !strings.Contains(r.body, "larger than 50 MiB") {
		t.Errorf("an upload over the limit: %d, report does not say so", r.status)
	}
}

func TestImportOfAMalformedUpload(t *testing.T) {
	e := newEnv(t)
	c := e.as(t, user.Editor)
	body := "--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n" + c.csrf + "\r\n--XX\r\nContent-Disposition form-da\r\n\r\nx\r\n--XX--\r\n"
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/admin/subscribers/import", strings.NewReader(body))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=XX")
	r := c.do(req)
	mustStatus(t, "a malformed upload", r, http.StatusBadRequest)
	if !strings.Contains(r.body, "could not be read") {
		t.Errorf("a malformed upload is not explained: %s", r.body)
	}
}
