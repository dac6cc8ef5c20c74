// Package eval holds the held-out evaluation data of the conversational
// assistant and the scorers that measure a parser and a dialogue engine
// against it.
//
// The data in testdata/ was written independently of the assistant's training
// corpus: nothing here may be copied into (or from) internal/assistant/nlu or
// internal/assistant/entities, and this package imports neither.
//
// Files (all embedded):
//
//   - testdata/utterances.tsv — labelled utterances (intent + entities).
//   - testdata/datetimes.tsv  — date and time expressions in short sentences.
//   - testdata/dialogues.jsonl — scripted dialogues, one JSON object a line.
//   - testdata/fixtures.json   — appointments the dialogue Factory must seed.
//
// Every file is labelled against the reference time in its header
// (# now = 2026-11-26T10:00:00-05:00, a Thursday, America/Toronto).
package eval

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"
)

//go:embed testdata/*
var files embed.FS

// Intents are the 17 fixed assistant intents (docs/architecture.md).
var Intents = []string{
	"greet", "goodbye", "thanks", "affirm", "deny", "help", "find_service",
	"find_location", "opening_hours", "required_documents", "book_appointment",
	"cancel_appointment", "reschedule_appointment", "list_appointments",
	"request_status", "human_agent", "out_of_scope",
}

// OutOfScope is the intent of messages the assistant cannot serve.
const OutOfScope = "out_of_scope"

// EntityKeys are the six fixed entity keys.
var EntityKeys = []string{"service", "municipality", "postal_code", "date", "time", "booking_ref"}

// ServiceIDs are the catalogue ids the data uses.
var ServiceIDs = []string{
	"ramq-carte-renouvellement", "ramq-carte-remplacement", "ramq-inscription",
	"saaq-permis-renouvellement", "saaq-examen-theorique", "saaq-examen-pratique",
	"saaq-immatriculation", "changement-adresse", "etat-civil-certificat-naissance",
	"etat-civil-changement-nom", "aide-sociale", "rqap-prestations",
	"entreprise-immatriculation", "revenu-declaration", "allocation-famille",
	"sante-prelevements", "sante-vaccination", "sante-urgences",
}

// Municipalities are the canonical names (column munnom of the open
// municipalities file) the data uses.
var Municipalities = []string{
	"Montréal", "Québec", "Laval", "Gatineau", "Longueuil", "Sherbrooke",
	"Trois-Rivières", "Saguenay", "Lévis", "Rimouski", "Terrebonne",
	"Saint-Jean-sur-Richelieu", "Brossard", "Repentigny", "Saint-Jérôme",
	"Drummondville", "Granby", "Saint-Hyacinthe", "Shawinigan", "Rouyn-Noranda",
	"Val-d'Or", "Victoriaville", "Alma", "Magog", "Sept-Îles", "Baie-Comeau",
	"Thetford Mines", "Joliette", "Châteauguay", "Blainville", "Mirabel",
	"Boucherville", "Saint-Georges", "Matane", "Gaspé",
}

var (
	rePostal  = regexp.MustCompile(`^[A-Z][0-9][A-Z] [0-9][A-Z][0-9]$`)
	reDate    = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)
	reTime    = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	reRef     = regexp.MustCompile(`^RV-[0-9A-HJKMNP-TV-Z]{6}$`)
	reNowLine = regexp.MustCompile(`^#\s*now\s*=\s*(\S+)`)
)

// Zone is the time zone the labels are resolved in.
const Zone = "America/Toronto"

// DefaultNow is the reference time every file is labelled against.
var DefaultNow = mustNow("2026-11-26T10:00:00-05:00")

func mustNow(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	if loc, err := time.LoadLocation(Zone); err == nil {
		t = t.In(loc)
	}
	return t
}

// Utterance is one labelled message of the test set.
type Utterance struct {
	Line     int               // line in utterances.tsv
	Lang     string            // "fr" or "en": the language the answer should be in
	Intent   string            // one of Intents
	Entities map[string]string // expected entities, normal forms
	Lenient  map[string]bool   // keys a prediction may set although absent from Entities
	Text     string
}

// DatetimeCase is one expression of the date and time suite.
type DatetimeCase struct {
	Line    int
	Lang    string
	Date    string // YYYY-MM-DD or "" when the sentence states no date
	Time    string // HH:MM or "" when the sentence states no exact time
	Lenient map[string]bool
	Text    string
}

// Set is the parsing test set: utterances and the date/time suite.
type Set struct {
	Now        time.Time
	Utterances []Utterance
	Datetimes  []DatetimeCase
}

// Load reads and validates the embedded parsing test set.
func Load() (*Set, error) {
	s := &Set{}
	now1, utt, err := loadUtterances("testdata/utterances.tsv")
	if err != nil {
		return nil, err
	}
	now2, dts, err := loadDatetimes("testdata/datetimes.tsv")
	if err != nil {
		return nil, err
	}
	if !now1.Equal(now2) {
		return nil, fmt.Errorf("eval: utterances and datetimes have different reference times")
	}
	s.Now, s.Utterances, s.Datetimes = now1, utt, dts
	return s, nil
}

// MustLoad is Load that panics on error (the data is embedded and tested).
func MustLoad() *Set {
	s, err := Load()
	if err != nil {
		panic(err)
	}
	return s
}

type tsvRow struct {
	line   int
	fields []string
}

func readTSV(name string, ncol int) (time.Time, []tsvRow, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return time.Time{}, nil, err
	}
	var now time.Time
	var rows []tsvRow
	sc := bufio.NewScanner(bytes.NewReader(b))
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			if m := reNowLine.FindStringSubmatch(line); m != nil {
				t, err := time.Parse(time.RFC3339, m[1])
				if err != nil {
					return now, nil, fmt.Errorf("%s:%d: bad now: %v", name, n, err)
				}
				now = t
			}
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != ncol {
			return now, nil, fmt.Errorf("%s:%d: %d columns, want %d", name, n, len(f), ncol)
		}
		rows = append(rows, tsvRow{n, f})
	}
	if now.IsZero() {
		return now, nil, fmt.Errorf("%s: no '# now = RFC3339' header", name)
	}
	if loc, err := time.LoadLocation(Zone); err == nil {
		now = now.In(loc)
	}
	return now, rows, sc.Err()
}

func parseLenient(s string) (map[string]bool, error) {
	m := map[string]bool{}
	s = strings.TrimSpace(s)
	if s == "" || s == "-" {
		return m, nil
	}
	for _, kv := range strings.Split(s, ",") {
		kv = strings.TrimSpace(kv)
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k != "lenient" {
			return nil, fmt.Errorf("bad lenient %q (want lenient=key)", kv)
		}
		for _, key := range strings.Split(v, "+") {
			if !isEntityKey(key) {
				return nil, fmt.Errorf("lenient: unknown key %q", key)
			}
			m[key] = true
		}
	}
	return m, nil
}

func parseEntities(s string) (map[string]string, error) {
	m := map[string]string{}
	s = strings.TrimSpace(s)
	if s == "" || s == "-" {
		return m, nil
	}
	for _, kv := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return nil, fmt.Errorf("bad entity %q", kv)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("duplicate entity %q", k)
		}
		m[k] = v
	}
	return m, ValidateEntities(m)
}

func loadUtterances(name string) (time.Time, []Utterance, error) {
	now, rows, err := readTSV(name, 5)
	if err != nil {
		return now, nil, err
	}
	var out []Utterance
	for _, r := range rows {
		u := Utterance{Line: r.line, Lang: r.fields[0], Intent: r.fields[1], Text: strings.TrimSpace(r.fields[4])}
		if u.Entities, err = parseEntities(r.fields[2]); err != nil {
			return now, nil, fmt.Errorf("%s:%d: %v", name, r.line, err)
		}
		if u.Lenient, err = parseLenient(r.fields[3]); err != nil {
			return now, nil, fmt.Errorf("%s:%d: %v", name, r.line, err)
		}
		if err := validLangIntent(u.Lang, u.Intent); err != nil {
			return now, nil, fmt.Errorf("%s:%d: %v", name, r.line, err)
		}
		if u.Text == "" {
			return now, nil, fmt.Errorf("%s:%d: empty text", name, r.line)
		}
		out = append(out, u)
	}
	return now, out, nil
}

func loadDatetimes(name string) (time.Time, []DatetimeCase, error) {
	now, rows, err := readTSV(name, 5)
	if err != nil {
		return now, nil, err
	}
	var out []DatetimeCase
	for _, r := range rows {
		c := DatetimeCase{Line: r.line, Lang: r.fields[0], Text: strings.TrimSpace(r.fields[4])}
		if c.Lang != "fr" && c.Lang != "en" {
			return now, nil, fmt.Errorf("%s:%d: bad lang %q", name, r.line, c.Lang)
		}
		if d := r.fields[1]; d != "-" {
			c.Date = d
		}
		if t := r.fields[2]; t != "-" {
			c.Time = t
		}
		m := map[string]string{}
		if c.Date != "" {
			m["date"] = c.Date
		}
		if c.Time != "" {
			m["time"] = c.Time
		}
		if len(m) == 0 {
			return now, nil, fmt.Errorf("%s:%d: neither date nor time", name, r.line)
		}
		if err := ValidateEntities(m); err != nil {
			return now, nil, fmt.Errorf("%s:%d: %v", name, r.line, err)
		}
		if c.Lenient, err = parseLenient(r.fields[3]); err != nil {
			return now, nil, fmt.Errorf("%s:%d: %v", name, r.line, err)
		}
		if c.Text == "" {
			return now, nil, fmt.Errorf("%s:%d: empty text", name, r.line)
		}
		out = append(out, c)
	}
	return now, out, nil
}

func validLangIntent(lang, intent string) error {
	if lang != "fr" && lang != "en" {
		return fmt.Errorf("bad lang %q", lang)
	}
	if !isIntent(intent) {
		return fmt.Errorf("unknown intent %q", intent)
	}
	return nil
}

func isIntent(s string) bool    { return contains(Intents, s) }
func isEntityKey(s string) bool { return contains(EntityKeys, s) }

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ValidateEntities checks keys and normal forms.
func ValidateEntities(m map[string]string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v := m[k]
		switch k {
		case "service":
			if !contains(ServiceIDs, v) {
				return fmt.Errorf("unknown service id %q", v)
			}
		case "municipality":
			if !contains(Municipalities, v) {
				return fmt.Errorf("unknown municipality %q", v)
			}
		case "postal_code":
			if !rePostal.MatchString(v) {
				return fmt.Errorf("bad postal code %q", v)
			}
		case "date":
			if !reDate.MatchString(v) {
				return fmt.Errorf("bad date %q", v)
			}
			if _, err := time.Parse("2006-01-02", v); err != nil {
				return fmt.Errorf("invalid date %q", v)
			}
		case "time":
			if !reTime.MatchString(v) {
				return fmt.Errorf("bad time %q", v)
			}
		case "booking_ref":
			if !reRef.MatchString(v) {
				return fmt.Errorf("bad booking reference %q", v)
			}
		default:
			return fmt.Errorf("unknown entity key %q", k)
		}
	}
	return nil
}

// Fixture is an appointment that must exist before the dialogues run, so
// that dialogues can cancel or move it by its reference.
type Fixture struct {
	Reference    string `json:"reference"`
	Service      string `json:"service"`
	Municipality string `json:"municipality"`
	Start        string `json:"start"` // RFC 3339
	Owner        string `json:"owner"` // who may manage it: the signed-in test citizen
}

// LoadFixtures reads testdata/fixtures.json.
func LoadFixtures() ([]Fixture, error) {
	b, err := files.ReadFile("testdata/fixtures.json")
	if err != nil {
		return nil, err
	}
	var doc struct {
		Appointments []Fixture `json:"appointments"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("fixtures.json: %v", err)
	}
	for _, f := range doc.Appointments {
		if err := ValidateEntities(map[string]string{"booking_ref": f.Reference, "service": f.Service, "municipality": f.Municipality}); err != nil {
			return nil, fmt.Errorf("fixtures.json: %v", err)
		}
		if _, err := time.Parse(time.RFC3339, f.Start); err != nil {
			return nil, fmt.Errorf("fixtures.json: %s: %v", f.Reference, err)
		}
	}
	return doc.Appointments, nil
}
