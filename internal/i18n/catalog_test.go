package i18n

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
	"unicode/utf8"
)

// TestKeyParity fails on any key missing from a language, any empty message
// and any key whose translations use different fmt verbs.
func TestKeyParity(t *testing.T) {
	var missing, empty, badVerbs, mismatch []string
	for _, key := range std.keys {
		sets := map[Lang][]string{}
		for _, l := range All {
			msg, ok := std.msgs[l][key]
			switch {
			case !ok:
				missing = append(missing, fmt.Sprintf("%s: missing in %s", key, l))
				continue
			case strings.TrimSpace(msg) == "":
				empty = append(empty, fmt.Sprintf("%s (%s)", key, l))
			}
			v, err := verbs(msg)
			if err != nil {
				badVerbs = append(badVerbs, fmt.Sprintf("%s (%s): %v", key, l, err))
			}
			sets[l] = v
		}
		if len(sets) == len(All) {
			for _, l := range All[1:] {
				if !slices.Equal(sets[FR], sets[l]) {
					mismatch = append(mismatch, fmt.Sprintf("%s: fr uses %v, %s uses %v", key, sets[FR], l, sets[l]))
				}
			}
		}
	}
	report(t, "keys missing from a language", missing)
	report(t, "empty messages", empty)
	report(t, "malformed fmt verbs", badVerbs)
	report(t, "translations with different fmt verbs", mismatch)
}

// TestNoDuplicateKeys catches a key written twice in one file, which
// encoding/json would silently resolve to the last occurrence.
func TestNoDuplicateKeys(t *testing.T) {
	names, err := fs.Glob(messagesFS, "messages/*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		data, err := fs.ReadFile(messagesFS, name)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(string(data)))
		if _, err := dec.Token(); err != nil { // {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		var dups []string
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			key := tok.(string)
			if seen[key] {
				dups = append(dups, key)
			}
			seen[key] = true
			if _, err := dec.Token(); err != nil { // the value: a string
				t.Fatal(err)
			}
		}
		report(t, name+": duplicate keys", dups)
	}
}

// TestFrenchTypography enforces the OQLF conventions of the package
// documentation on every French message.
func TestFrenchTypography(t *testing.T) {
	var bad []string
	for _, key := range std.keys {
		msg, ok := std.msgs[FR][key]
		if !ok {
			continue // reported by TestKeyParity
		}
		for _, p := range typographyProblems(msg) {
			bad = append(bad, fmt.Sprintf("%s: %s in %q", key, p, msg))
		}
	}
	report(t, "French messages breaking OQLF typography", bad)
}

func TestTypographyProblems(t *testing.T) {
	tests := []struct {
		msg  string
		want int
	}{
		{"Retour à l’accueil", 0},
		{"Retour à l'accueil", 1},
		{"Attention\u00a0: ceci\u202f; vraiment\u202f? oui\u00a0!", 0},
		{"Attention : non", 1},
		{"Attention: non", 1},
		{"Quoi\u00a0?!", 0},
		{"Voir https://quebec.ca", 0},
		{"Le mot «\u00a0guichet\u00a0»", 0},
		{"Le mot « guichet »", 2},
		{"Le mot «guichet»", 2},
		{"%[1]s\u00a0: %[2]d", 0},
	}
	for _, tt := range tests {
		if got := typographyProblems(tt.msg); len(got) != tt.want {
			t.Errorf("typographyProblems(%q) = %q, want %d problem(s)", tt.msg, got, tt.want)
		}
	}
}

// typographyProblems describes each OQLF rule that msg breaks.
func typographyProblems(msg string) []string {
	var out []string
	isNBSP := func(r rune) bool { return r == '\u00a0' || r == '\u202f' }
	runes := []rune(msg)
	for i, r := range runes {
		var prev, next rune
		if i > 0 {
			prev = runes[i-1]
		}
		if i+1 < len(runes) {
			next = runes[i+1]
		}
		switch r {
		case '\'':
			out = append(out, "ASCII apostrophe (use ’)")
		case ':', ';', '?', '!':
			if r == ':' && (next == '/' || (unicode.IsDigit(prev) && unicode.IsDigit(next))) { // URL scheme, or a time like 14:30
				continue
			}
			if i > 0 && !isNBSP(prev) && !strings.ContainsRune(":;?!", prev) {
				out = append(out, fmt.Sprintf("no non-breaking space before %q", r))
			}
		case '«':
			if !isNBSP(next) {
				out = append(out, "no non-breaking space after «")
			}
		case '»':
			if !isNBSP(prev) {
				out = append(out, "no non-breaking space before »")
			}
		}
	}
	return out
}

// verbs lists the fmt verbs of a format string as "argument:verb" (with
// 1-based argument numbers, resolving explicit indexes and * widths), sorted
// and without duplicates, so that "%s %d" and "%[2]d %[1]s" compare equal.
func verbs(format string) ([]string, error) {
	var set []string
	arg := 0 // next argument, 0-based
	i := 0
	index := func() error {
		if i >= len(format) || format[i] != '[' {
			return nil
		}
		end := strings.IndexByte(format[i:], ']')
		if end < 0 {
			return fmt.Errorf("unclosed [ at byte %d", i)
		}
		n, err := strconv.Atoi(format[i+1 : i+end])
		if err != nil || n < 1 {
			return fmt.Errorf("bad argument index %q", format[i:i+end+1])
		}
		arg = n - 1
		i += end + 1
		return nil
	}
	star := func() {
		if i < len(format) && format[i] == '*' {
			set = append(set, fmt.Sprintf("%d:*", arg+1))
			arg++
			i++
			return
		}
		for i < len(format) && format[i] >= '0' && format[i] <= '9' {
			i++
		}
	}
	for i < len(format) {
		if format[i] != '%' {
			i++
			continue
		}
		i++
		for i < len(format) && strings.IndexByte("+-# 0", format[i]) >= 0 {
			i++
		}
		if err := index(); err != nil {
			return nil, err
		}
		star()
		if i < len(format) && format[i] == '.' {
			i++
			if err := index(); err != nil {
				return nil, err
			}
			star()
		}
		if err := index(); err != nil {
			return nil, err
		}
		if i >= len(format) {
			return nil, fmt.Errorf("%% without a verb at the end")
		}
		verb, size := utf8.DecodeRuneInString(format[i:])
		i += size
		if verb == '%' {
			continue
		}
		set = append(set, fmt.Sprintf("%d:%c", arg+1, verb))
		arg++
	}
	slices.Sort(set)
	return slices.Compact(set), nil
}

func TestVerbs(t *testing.T) {
	tests := []struct {
		format string
		want   string
	}{
		{"Bonjour", ""},
		{"100 %%", ""},
		{"%s a %d ans", "1:s 2:d"},
		{"%[2]d ans pour %[1]s", "1:s 2:d"},
		{"%5.2f %-8s %+d", "1:f 2:s 3:d"},
		{"%*d", "1:* 2:d"},
		{"%[1]s et %[1]s", "1:s"},
		{"%[2]s puis %s", "2:s 3:s"},
		{"%v", "1:v"},
	}
	for _, tt := range tests {
		got, err := verbs(tt.format)
		if err != nil || strings.Join(got, " ") != tt.want {
			t.Errorf("verbs(%q) = %v, %v; want %q", tt.format, got, err, tt.want)
		}
	}
	for _, bad := range []string{"50 %", "%[x]s", "%[0]s", "%[1s"} {
		if _, err := verbs(bad); err == nil {
			t.Errorf("verbs(%q): no error", bad)
		}
	}
}

func report(t *testing.T, what string, items []string) {
	t.Helper()
	if len(items) > 0 {
		t.Errorf("%s (%d):\n\t%s", what, len(items), strings.Join(items, "\n\t"))
	}
}

func TestT(t *testing.T) {
	c, err := load(fstest.MapFS{
		"messages/fr.json": {Data: []byte(`{"greet": "Bonjour %s", "age": "%[2]s a %[1]d ans", "only.fr": "Seulement", "plain": "100 %%"}`)},
		"messages/en.json": {Data: []byte(`{"greet": "Hello %s", "age": "%[2]s is %[1]d", "plain": "100%%"}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		l    Lang
		key  string
		args []any
		want string
	}{
		{FR, "greet", []any{"Léa"}, "Bonjour Léa"},
		{EN, "greet", []any{"Léa"}, "Hello Léa"},
		{FR, "age", []any{7, "Léa"}, "Léa a 7 ans"},
		{EN, "age", []any{7, "Léa"}, "Léa is 7"},
		{EN, "only.fr", nil, "Seulement"}, // falls back to French
		{Lang("de"), "greet", []any{"Léa"}, "Bonjour Léa"},
		{FR, "plain", nil, "100 %"},
		{EN, "no.such.key", nil, "no.such.key"},
		{EN, "no.such.%s", []any{"x"}, "no.such.%s"},
	}
	for _, tt := range tests {
		if got := c.t(tt.l, tt.key, tt.args...); got != tt.want {
			t.Errorf("t(%q, %q, %v) = %q, want %q", tt.l, tt.key, tt.args, got, tt.want)
		}
	}
	if got := strings.Join(c.keys, " "); got != "age greet only.fr plain" {
		t.Errorf("keys = %q", got)
	}

	if _, err := load(fstest.MapFS{"messages/fr.json": {Data: []byte(`{}`)}}); err == nil {
		t.Error("load without en.json: no error")
	}
	if _, err := load(fstest.MapFS{
		"messages/fr.json": {Data: []byte(`{"a": 1}`)},
		"messages/en.json": {Data: []byte(`{}`)},
	}); err == nil {
		t.Error("load with a non-string message: no error")
	}
}

func TestEmbeddedCatalog(t *testing.T) {
	keys := Keys()
	if len(keys) == 0 || !slices.IsSorted(keys) {
		t.Fatalf("Keys() = %v", keys)
	}
	keys[0] = "mutated"
	if Keys()[0] == "mutated" {
		t.Error("Keys() shares its slice")
	}
	for _, key := range Keys() {
		if !Has(key) {
			t.Errorf("Has(%q) = false", key)
		}
	}
	if Has("no.such.key") {
		t.Error(`Has("no.such.key") = true`)
	}
	if got := T(EN, "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key = %q", got)
	}
	if Has("site.name") && T(FR, "site.name") == "" {
		t.Error(`T(FR, "site.name") is empty`)
	}
}

func TestCatalogueFilesPerCapability(t *testing.T) {
	c, err := load(fstest.MapFS{
		"messages/fr.json":         {Data: []byte(`{"a": "A"}`)},
		"messages/booking.fr.json": {Data: []byte(`{"b": "B"}`)},
		"messages/en.json":         {Data: []byte(`{"a": "A"}`)},
		"messages/booking.en.json": {Data: []byte(`{"b": "B"}`)},
	})
	if err != nil || c.t(EN, "b") != "B" || c.t(FR, "a") != "A" {
		t.Fatalf("split catalogue: %v", err)
	}
	_, err = load(fstest.MapFS{
		"messages/fr.json":         {Data: []byte(`{"a": "A"}`)},
		"messages/booking.fr.json": {Data: []byte(`{"a": "B"}`)},
		"messages/en.json":         {Data: []byte(`{"a": "A"}`)},
	})
	if err == nil || !strings.Contains(err.Error(), "two files") {
		t.Fatalf("a key in two files: %v", err)
	}
}

func TestNoDoublePeriodAfterAMPM(t *testing.T) {
	c, err := load(fstest.MapFS{
		"messages/fr.json": {Data: []byte(`{"at": "C’est à %s."}`)},
		"messages/en.json": {Data: []byte(`{"at": "It is at %s."}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.t(EN, "at", "9:30 a.m."); got != "It is at 9:30 a.m." {
		t.Errorf("got %q", got)
	}
	if got := c.t(FR, "at", "9 h 30"); got != "C’est à 9 h 30." {
		t.Errorf("got %q", got)
	}
}
