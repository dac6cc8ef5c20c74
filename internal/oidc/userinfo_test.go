package oidc_test

import (
	"encoding/json"
	"net/http"
	"testing"
)

func userinfo(t testing.TB, e *env, access string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", e.srv.URL+"/oidc/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != 200 {
		out["status"] = resp.StatusCode
	}
	return out
}
