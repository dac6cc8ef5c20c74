package i18n_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/guichet-qc/guichet/internal/i18n"
)

// TestEveryKeyUsedInCodeExists scans the Go sources and templates for
// message keys (coded errors, T calls, template t calls) and fails on any
// key missing from the catalogues, so a user never sees a raw key.
func TestEveryKeyUsedInCodeExists(t *testing.T) {
	patterns := []*regexp.Regexp{
		regexp.MustCompile(`errs\.(?:E|Wrap)\([^"]*?"([a-z_]+\.[a-z_.]*[a-z_])"`),
		regexp.MustCompile(`i18n\.T\([^"]*?"([a-z_]+\.[a-z_.]*[a-z_])"`),
		regexp.MustCompile(`\{\{\s*t\s+"([a-z_]+\.[a-z_.]*[a-z_])"`),
	}
	root := filepath.Join("..", "..")
	seen := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(path, "_test.go") ||
			!(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".html")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, re := range patterns {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				seen++
				if !i18n.Has(m[1]) {
					t.Errorf("%s uses message key %q, missing from the catalogues", path, m[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 20 {
		t.Fatalf("found only %d key uses: is the scan broken?", seen)
	}
}
