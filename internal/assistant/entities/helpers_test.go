package entities

import (
	"bufio"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"
)

// refNow is the reference instant of the tests: Thursday 26 November 2026,
// 10:00 in Montréal.
var refNow = time.Date(2026, 11, 26, 10, 0, 0, 0, zone)

var (
	fixtureOnce sync.Once
	fixtureExt  *Extractor
	fixtureSvc  []Service
	fixtureMun  []string
)

// loadFixture reads testdata: the demo catalogue's services (both
// languages) and the 1,130 municipalities of the open-data file.
func loadFixture(tb testing.TB) ([]Service, []string) {
	tb.Helper()
	fixtureOnce.Do(func() {
		b, err := os.ReadFile("testdata/services.json")
		if err != nil {
			tb.Fatal(err)
		}
		var raw []struct {
			ID       string   `json:"id"`
			Names    []string `json:"names"`
			Keywords []string `json:"keywords"`
			Synonyms []string `json:"synonyms"`
		}
		if err := json.Unmarshal(b, &raw); err != nil {
			tb.Fatal(err)
		}
		for _, r := range raw {
			fixtureSvc = append(fixtureSvc, Service{ID: r.ID, Names: r.Names, Keywords: r.Keywords, Synonyms: r.Synonyms})
		}
		f, err := os.Open("testdata/municipalities.txt")
		if err != nil {
			tb.Fatal(err)
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if sc.Text() != "" {
				fixtureMun = append(fixtureMun, sc.Text())
			}
		}
		fixtureExt = New(fixtureSvc, fixtureMun)
	})
	if fixtureExt == nil {
		tb.Fatal("fixture not loaded")
	}
	return fixtureSvc, fixtureMun
}

func extractor(tb testing.TB) *Extractor {
	tb.Helper()
	loadFixture(tb)
	return fixtureExt
}
