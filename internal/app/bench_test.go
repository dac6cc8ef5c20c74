package app_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/identity"
	"github.com/guichet-qc/guichet/internal/notify"
	"github.com/guichet-qc/guichet/internal/opendata/opendatatest"
)

// BenchmarkHTTPCatalog measures the catalogue API over HTTP on loopback
// with the real open data imported, as p50/p99 per request, beside the
// /healthz round trip measured in the same run (the floor of any request).
func BenchmarkHTTPCatalog(b *testing.B) {
	r := startTB(b, database.SQLite)
	opendatatest.ImportAll(b, r.DB())
	if err := r.Catalog().Reload(b.Context()); err != nil {
		b.Fatal(err)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	run := func(b *testing.B, paths []string) {
		d := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			resp, err := client.Get(r.url + paths[i%len(paths)])
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("%s: %d", paths[i%len(paths)], resp.StatusCode)
			}
			d = append(d, time.Since(start))
		}
		b.StopTimer()
		slices.Sort(d)
		b.ReportMetric(float64(d[len(d)/2].Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(d[(len(d)*99)/100].Nanoseconds())/1e3, "p99-µs")
	}
	b.Run("baseline-healthz", func(b *testing.B) { run(b, []string{"/healthz"}) })
	var search, near []string
	for _, q := range []string{"carte soleil", "permi de conduir", "driving test", "je déménage", "renouv"} {
		search = append(search, "/api/v1/services?q="+url.QueryEscape(q))
	}
	for _, q := range []string{"near=H3A+1B9", "near=G1V+4M6&service=saaq-examen-pratique", "near=levis", "near=45.48,-75.65&service=sante-prelevements"} {
		near = append(near, "/api/v1/service-points?"+q)
	}
	b.Run("search", func(b *testing.B) { run(b, search) })
	b.Run("nearest", func(b *testing.B) { run(b, near) })
}

// BenchmarkSignIn measures full password sign-ins over HTTP (the form
// post: throttling reservations, Argon2id, the new session, its audit
// entry), from parallel browsers, beside the Argon2id hash alone measured
// in the same run: the floor of any password sign-in.
func BenchmarkSignIn(b *testing.B) {
	r := startTB(b, database.SQLite)
	ctx := b.Context()
	const password = "Un banc de neige à Rimouski"
	const accounts = 8
	for i := range accounts {
		email := fmt.Sprintf("bench%d@example.com", i)
		if err := r.Identity().SignUp(ctx, identity.SignUp{Email: email, GivenName: "B", FamilyName: "Bench", Password: password, Addr: fmt.Sprintf("192.0.2.%d", i)}); err != nil {
			b.Fatal(err)
		}
		msgs, _ := notify.Recent(ctx, r.DB(), 50)
		for _, m := range msgs {
			if m.Kind == "identity.verify_email" && m.To == email {
				u, _ := url.Parse(regexp.MustCompile(`https?://\S+`).FindString(m.Text))
				if _, err := r.Identity().VerifyEmail(ctx, u.Query().Get("jeton")); err != nil {
					b.Fatal(err)
				}
			}
		}
	}
	b.Run("baseline-argon2id", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				identity.HashPassword(password)
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
	})
	b.Run("sign-in", func(b *testing.B) {
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			i := n.Add(1)
			email := fmt.Sprintf("bench%d@example.com", i%accounts)
			jar, _ := cookiejar.New(nil)
			c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := c.Get(r.url + "/fr/connexion")
			if err != nil {
				b.Error(err)
				return
			}
			page, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			token := csrfField.FindStringSubmatch(string(page))[1]
			form := url.Values{"csrf_token": {token}, "email": {email}, "password": {password}}.Encode()
			for pb.Next() {
				resp, err := c.Post(r.url+"/fr/connexion", "application/x-www-form-urlencoded", strings.NewReader(form))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusSeeOther {
					b.Errorf("sign-in: %d", resp.StatusCode)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sign-ins/s")
	})
}
