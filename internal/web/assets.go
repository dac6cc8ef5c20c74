package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
)

//go:embed static
var staticFiles embed.FS

// Assets serves the embedded static files under names that carry a hash of
// their content (css/guichet.3f2a9c1b.css), so they can be cached forever
// and a new release is fetched at once.
type Assets struct {
	byName   map[string]string // logical name → hashed URL
	byURL    map[string]asset  // hashed URL → content
	themeURL string
}

type asset struct {
	body  []byte
	ctype string
}

// LoadAssets hashes every embedded file, plus an optional theme CSS file.
func LoadAssets(themeCSS string) (*Assets, error) {
	a := &Assets{byName: map[string]string{}, byURL: map[string]asset{}}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		a.add(strings.TrimPrefix(p, "static/"), body)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if themeCSS != "" {
		body, err := os.ReadFile(themeCSS)
		if err != nil {
			return nil, fmt.Errorf("theme CSS: %w", err)
		}
		a.themeURL = a.add("theme.css", body)
	}
	return a, nil
}

func (a *Assets) add(name string, body []byte) string {
	sum := sha256.Sum256(body)
	ext := path.Ext(name)
	url := "/static/" + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:10] + ext
	ctype := mime.TypeByExtension(ext)
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	a.byName[name] = url
	a.byURL[url] = asset{body: body, ctype: ctype}
	return url
}

// URL returns the hashed URL of a logical asset name; an unknown name is a
// programming error caught when templates are first executed in tests.
func (a *Assets) URL(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("unknown asset %q", name)
	}
	return u, nil
}

// ThemeURL is the URL of the deployment's theme CSS, "" without one.
func (a *Assets) ThemeURL() string { return a.themeURL }

// ServeHTTP serves a hashed asset with a one-year immutable cache.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.byURL[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(f.body)
}
