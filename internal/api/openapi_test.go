package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/api"
	"github.com/guichet-qc/guichet/internal/httpx"
)

// TestOpenAPIMatchesRoutes keeps the OpenAPI document true: every API route
// registered on the router is documented, and nothing else is.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	rt := httpx.NewRouter()
	api.New(api.Options{}).Register(rt)
	registered := map[string]bool{}
	for _, r := range rt.Routes() {
		if r.Kind == httpx.API {
			registered[strings.ToLower(r.Method)+" "+r.Path] = true
		}
	}
	// Serve the document through the router, as clients get it.
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.json", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("openapi.json: status %d", rec.Code)
	}
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi version %q, want 3.1.x", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[method+" "+path] = true
			if _, ok := op["responses"]; !ok {
				t.Errorf("%s %s documents no responses", method, path)
			}
		}
	}
	var missing, extra []string
	for k := range registered {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !registered[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 {
		t.Errorf("API routes missing from the OpenAPI document: %v", missing)
	}
	if len(extra) > 0 {
		t.Errorf("OpenAPI document lists routes that are not served: %v", extra)
	}
	if len(registered) == 0 {
		t.Fatal("no API route registered")
	}
}
