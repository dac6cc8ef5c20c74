package oidc_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/database/dbtest"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/oidc"
)

// The benchmarks run over real HTTP against the provider on an httptest
// server (loopback), with 16 client goroutines per CPU, and report
// requests per second. BenchmarkBaseline is a trivial endpoint behind the
// same middleware, measured in the same run, to read the others against.

func benchClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 256, MaxIdleConnsPerHost: 256}}
}

func benchEach(b *testing.B, fn func(b *testing.B, e *env)) {
	for _, d := range dbtest.Dialects(b) {
		b.Run(string(d), func(b *testing.B) {
			e := newEnv(b, dbtest.Open(b, d))
			fn(b, e)
		})
	}
}

func post(b *testing.B, c *http.Client, u string, form url.Values, user, pass string) {
	req, _ := http.NewRequest("POST", u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(url.QueryEscape(user), url.QueryEscape(pass))
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

func reportRate(b *testing.B) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkBaseline(b *testing.B) {
	e := newEnv(b, dbtest.Open(b, database.SQLite))
	_ = e
	// A trivial endpoint beside the provider's, behind the same middleware.
	rt := httpx.NewRouter()
	rt.HandleFunc(httpx.Route{Method: "POST", Path: "/ping", Kind: httpx.Endpoint}, func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		w.Write([]byte(`{"ok":true}`))
	})
	e.srv.Config.Handler = rt
	c := benchClient()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			post(b, c, e.srv.URL+"/ping", url.Values{"grant_type": {"client_credentials"}}, "", "")
		}
	})
	reportRate(b)
}

func BenchmarkClientCredentialsPrivateKeyJWT(b *testing.B) {
	benchEach(b, func(b *testing.B, e *env) {
		cl := e.client(b, oidc.ClientSpec{Name: "Batch", AuthMethod: oidc.AuthPrivateKeyJWT,
			GrantTypes: []string{oidc.GrantClientCredentials}, Scopes: []string{"dossier.read"}})
		c := benchClient()
		tokenURL := e.srv.URL + "/oidc/token"
		b.SetParallelism(16)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				post(b, c, tokenURL, url.Values{"grant_type": {"client_credentials"}, "scope": {"dossier.read"},
					"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
					"client_assertion":      {cl.assertion(tokenURL)}}, "", "")
			}
		})
		reportRate(b)
	})
}

func BenchmarkRefresh(b *testing.B) {
	benchEach(b, func(b *testing.B, e *env) {
		cl := e.client(b, webClient("rp-a.example"))
		c := benchClient()
		tokenURL := e.srv.URL + "/oidc/token"
		b.SetParallelism(16)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			rt := cl.login(b, "openid offline_access").RefreshToken
			for pb.Next() {
				req, _ := http.NewRequest("POST", tokenURL, strings.NewReader(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.SetBasicAuth(url.QueryEscape(cl.id), url.QueryEscape(cl.secret))
				resp, err := c.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				var out struct {
					RefreshToken string `json:"refresh_token"`
				}
				json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if resp.StatusCode != 200 || out.RefreshToken == "" {
					b.Fatalf("status %d", resp.StatusCode)
				}
				rt = out.RefreshToken
			}
		})
		reportRate(b)
	})
}
