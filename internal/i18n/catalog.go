package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

//go:embed messages/*.json
var messagesFS embed.FS

// std is the catalogue embedded in the binary, parsed once at start-up and
// never modified afterwards.
var std = mustLoad(messagesFS)

// catalog holds the messages of every supported language. It is immutable
// once loaded.
type catalog struct {
	msgs map[Lang]map[string]string
	keys []string // sorted union of the keys of all languages
}

// mustLoad parses messages/<lang>.json for every supported language. The
// files are embedded at build time, so a malformed or missing one is a build
// defect: it panics at start-up (and in every test) rather than serving keys.
func mustLoad(fsys fs.FS) *catalog {
	c, err := load(fsys)
	if err != nil {
		panic("i18n: " + err.Error())
	}
	return c
}

// Files returns the catalogue files of a language: messages/<lang>.json and
// messages/<area>.<lang>.json (one file per capability keeps them small).
func Files(fsys fs.FS, l Lang) ([]string, error) {
	all, err := fs.Glob(fsys, "messages/*.json")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, name := range all {
		base := strings.TrimPrefix(name, "messages/")
		if base == string(l)+".json" || strings.HasSuffix(base, "."+string(l)+".json") {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no catalogue file for %s", l)
	}
	return out, nil
}

func load(fsys fs.FS) (*catalog, error) {
	c := &catalog{msgs: make(map[Lang]map[string]string, len(All))}
	seen := map[string]bool{}
	for _, l := range All {
		names, err := Files(fsys, l)
		if err != nil {
			return nil, err
		}
		m := map[string]string{}
		for _, name := range names {
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, err
			}
			part := map[string]string{}
			if err := json.Unmarshal(data, &part); err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			for k, v := range part {
				if _, dup := m[k]; dup {
					return nil, fmt.Errorf("%s: key %q is defined in two files", name, k)
				}
				m[k] = v
			}
		}
		c.msgs[l] = m
		for k := range m {
			if !seen[k] {
				seen[k] = true
				c.keys = append(c.keys, k)
			}
		}
	}
	slices.Sort(c.keys)
	return c, nil
}

// lookup returns the message for key in l, falling back to French (the
// reference language) and then to the key itself.
func (c *catalog) lookup(l Lang, key string) (string, bool) {
	if msg, ok := c.msgs[l.norm()][key]; ok {
		return msg, true
	}
	msg, ok := c.msgs[FR][key]
	return msg, ok
}

func (c *catalog) t(l Lang, key string, args ...any) string {
	msg, ok := c.lookup(l, key)
	if !ok {
		return key
	}
	if len(args) == 0 && !strings.Contains(msg, "%") {
		return msg
	}
	out := fmt.Sprintf(msg, args...)
	if l.norm() == EN {
		// A sentence ending on "a.m." or "p.m." takes no second period.
		out = amPM.Replace(out)
	}
	return out
}

// T returns the message for key in language l, formatted with args as by
// fmt.Sprintf (translations may reorder arguments with %[n]s). A key missing
// from l falls back to French; a key missing everywhere is returned as is,
// so a typo shows up on the page and in tests instead of panicking.
func T(l Lang, key string, args ...any) string { return std.t(l, key, args...) }

// Has reports whether key exists in the catalogues (in at least one
// language; the tests require every key to exist in all of them).
func Has(key string) bool {
	_, ok := slices.BinarySearch(std.keys, key)
	return ok
}

// Keys returns every message key, sorted. The slice is a fresh copy.
func Keys() []string { return slices.Clone(std.keys) }

var amPM = strings.NewReplacer("a.m..", "a.m.", "p.m..", "p.m.")
