package eval

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The dialogue engine is driven through this small interface. An adapter
// over the real engine (or over the JSON API) implements it.

// Event is something a turn did, as in the API's "events".
type Event struct {
	Type      string // appointment_booked, appointment_cancelled, appointment_rescheduled, handoff_requested
	Reference string // booking reference, when the event concerns an appointment
}

// Choice is one option the assistant offered (a slot, a place, a service…).
type Choice struct {
	ID    string
	Label string
}

// Turn is the observable result of one user message.
type Turn struct {
	Text     string            // the assistant's answer (not scored)
	Lang     string            // language of the answer: "fr" or "en"
	Intent   string            // the intent understood for the user's message
	Entities map[string]string // the conversation's slots after the turn (accumulated, corrections applied)
	Events   []Event           // what the turn did
	Choices  []Choice          // options offered in the answer, in display order
	Chosen   string            // ID of the previously offered choice the user's message picked, "" if none
}

// Conversation is one running dialogue.
type Conversation interface {
	Send(text string) (Turn, error)
}

// Factory starts a conversation in lang ("fr" or "en") at the reference time
// now. The conversation belongs to the signed-in test citizen who owns the
// appointments of LoadFixtures, which the factory must have seeded (with
// available slots on the following weeks' working days in the data's
// municipalities).
type Factory func(lang string, now time.Time) (Conversation, error)

// ChoiceExpect is the "choice" expectation: true (the message picked one of
// the offered choices) or a 1-based number N (it picked the N-th choice of
// the last turn that offered choices).
type ChoiceExpect struct {
	Any   bool
	Index int
}

// UnmarshalJSON accepts true or a number.
func (c *ChoiceExpect) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "true" {
		c.Any = true
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return fmt.Errorf("choice: want true or a number >= 1, got %s", s)
	}
	c.Any, c.Index = true, n
	return nil
}

// Expect is what must hold after one user turn. Empty fields are not checked.
type Expect struct {
	Intent    string            `json:"intent,omitempty"`
	Entities  map[string]string `json:"entities,omitempty"` // subset of Turn.Entities
	Lang      string            `json:"lang,omitempty"`     // language of the answer
	Event     string            `json:"event,omitempty"`    // this event type must occur
	Events    []string          `json:"events,omitempty"`   // all these event types must occur
	Reference string            `json:"reference,omitempty"`
	NoEvent   bool              `json:"no_event,omitempty"` // no event at all (e.g. nothing booked before confirmation)
	Choices   bool              `json:"choices,omitempty"`  // the answer offers at least one choice
	Choice    *ChoiceExpect     `json:"choice,omitempty"`
}

// UserTurn is one scripted user message. Text may contain the placeholders
// {label:N} (label of the N-th choice last offered) and {ref} (reference of
// the last appointment booked in this dialogue).
type UserTurn struct {
	User   string `json:"user"`
	Expect Expect `json:"expect"`
}

// Dialogue is one scripted conversation.
type Dialogue struct {
	ID    string     `json:"id"`
	Lang  string     `json:"lang"` // language the conversation is started in
	Tags  []string   `json:"tags"` // booking, correction, choice-number, choice-label, cancel, reschedule, switch, handoff, hours, documents, oos, …
	Turns []UserTurn `json:"turns"`
}

// LoadDialogues reads and validates testdata/dialogues.jsonl.
func LoadDialogues() ([]Dialogue, error) {
	b, err := files.ReadFile("testdata/dialogues.jsonl")
	if err != nil {
		return nil, err
	}
	var out []Dialogue
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "//") {
			continue
		}
		var d Dialogue
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&d); err != nil {
			return nil, fmt.Errorf("dialogues.jsonl:%d: %v", n, err)
		}
		if err := d.validate(); err != nil {
			return nil, fmt.Errorf("dialogues.jsonl:%d: %s: %v", n, d.ID, err)
		}
		if seen[d.ID] {
			return nil, fmt.Errorf("dialogues.jsonl:%d: duplicate id %s", n, d.ID)
		}
		seen[d.ID] = true
		out = append(out, d)
	}
	return out, sc.Err()
}

var knownEvents = []string{"appointment_booked", "appointment_cancelled", "appointment_rescheduled", "handoff_requested"}

var rePlaceholder = regexp.MustCompile(`\{[^}]*\}`)

func (d Dialogue) validate() error {
	if d.ID == "" {
		return fmt.Errorf("no id")
	}
	if d.Lang != "fr" && d.Lang != "en" {
		return fmt.Errorf("bad lang %q", d.Lang)
	}
	if len(d.Turns) == 0 {
		return fmt.Errorf("no turns")
	}
	offered := false
	for i, t := range d.Turns {
		if strings.TrimSpace(t.User) == "" {
			return fmt.Errorf("turn %d: empty user text", i+1)
		}
		for _, ph := range rePlaceholder.FindAllString(t.User, -1) {
			if ph != "{ref}" && !strings.HasPrefix(ph, "{label:") {
				return fmt.Errorf("turn %d: unknown placeholder %s", i+1, ph)
			}
		}
		e := t.Expect
		if e.Intent != "" && !isIntent(e.Intent) {
			return fmt.Errorf("turn %d: unknown intent %q", i+1, e.Intent)
		}
		if e.Lang != "" && e.Lang != "fr" && e.Lang != "en" {
			return fmt.Errorf("turn %d: bad lang %q", i+1, e.Lang)
		}
		if err := ValidateEntities(e.Entities); err != nil {
			return fmt.Errorf("turn %d: %v", i+1, err)
		}
		evs := e.Events
		if e.Event != "" {
			evs = append([]string{e.Event}, evs...)
		}
		for _, ev := range evs {
			if !contains(knownEvents, ev) {
				return fmt.Errorf("turn %d: unknown event %q", i+1, ev)
			}
		}
		if e.NoEvent && len(evs) > 0 {
			return fmt.Errorf("turn %d: no_event with events", i+1)
		}
		if e.Reference != "" && e.Reference != "{ref}" && !reRef.MatchString(e.Reference) {
			return fmt.Errorf("turn %d: bad reference %q", i+1, e.Reference)
		}
		if e.Choice != nil && !offered {
			return fmt.Errorf("turn %d: choice expected but no earlier turn expects choices", i+1)
		}
		if e.Choices {
			offered = true
		}
	}
	return nil
}

// DialogueFailure explains why a dialogue failed (its first failing turn).
type DialogueFailure struct {
	ID     string
	Turn   int // 1-based
	User   string
	Reason string
}

// DialogueReport is what ScoreDialogues measures.
type DialogueReport struct {
	Success  Ratio            // dialogues whose every turn held
	Turns    Ratio            // turns whose expectations held
	ByTag    map[string]Ratio // dialogue success per tag
	ByLang   map[string]Ratio // dialogue success per starting language
	Failures []DialogueFailure
}

// ScoreDialogues plays every dialogue through a fresh conversation from f,
// at DefaultNow. A dialogue succeeds when every turn's expectations hold;
// after a failed turn the remaining turns are still played (and counted).
func ScoreDialogues(f Factory, dialogues []Dialogue) DialogueReport {
	return ScoreDialoguesAt(f, dialogues, DefaultNow)
}

// ScoreDialoguesAt is ScoreDialogues at another reference time.
func ScoreDialoguesAt(f Factory, dialogues []Dialogue, now time.Time) DialogueReport {
	r := DialogueReport{ByTag: map[string]Ratio{}, ByLang: map[string]Ratio{}}
	for _, d := range dialogues {
		fail := playDialogue(f, d, now, &r)
		ok := fail == nil
		if !ok {
			r.Failures = append(r.Failures, *fail)
		}
		r.Success = addRatio(r.Success, ok)
		r.ByLang[d.Lang] = addRatio(r.ByLang[d.Lang], ok)
		for _, t := range d.Tags {
			r.ByTag[t] = addRatio(r.ByTag[t], ok)
		}
	}
	return r
}

func playDialogue(f Factory, d Dialogue, now time.Time, r *DialogueReport) *DialogueFailure {
	conv, err := f(d.Lang, now)
	if err != nil {
		r.Turns.N += len(d.Turns)
		return &DialogueFailure{d.ID, 0, "", "factory: " + err.Error()}
	}
	var first *DialogueFailure
	var lastChoices []Choice
	lastRef := ""
	for i, ut := range d.Turns {
		text, err := expand(ut.User, lastChoices, lastRef)
		var reason string
		var t Turn
		if err == nil {
			t, err = conv.Send(text)
		}
		if err != nil {
			reason = err.Error()
		} else {
			reason = check(ut.Expect, t, lastChoices, lastRef)
		}
		r.Turns = addRatio(r.Turns, reason == "")
		if reason != "" && first == nil {
			first = &DialogueFailure{d.ID, i + 1, text, reason}
		}
		if err != nil {
			// The conversation is broken: count the rest as failed.
			r.Turns.N += len(d.Turns) - i - 1
			break
		}
		if len(t.Choices) > 0 {
			lastChoices = t.Choices
		}
		for _, ev := range t.Events {
			if ev.Type == "appointment_booked" && ev.Reference != "" {
				lastRef = ev.Reference
			}
		}
	}
	return first
}

var reLabel = regexp.MustCompile(`\{label:([0-9]+)\}`)

func expand(s string, choices []Choice, ref string) (string, error) {
	var err error
	s = reLabel.ReplaceAllStringFunc(s, func(m string) string {
		n, _ := strconv.Atoi(reLabel.FindStringSubmatch(m)[1])
		if n < 1 || n > len(choices) {
			err = fmt.Errorf("placeholder %s: only %d choices offered", m, len(choices))
			return m
		}
		return choices[n-1].Label
	})
	if strings.Contains(s, "{ref}") {
		if ref == "" {
			return s, fmt.Errorf("placeholder {ref}: nothing booked yet")
		}
		s = strings.ReplaceAll(s, "{ref}", ref)
	}
	return s, err
}

func check(e Expect, t Turn, prevChoices []Choice, lastRef string) string {
	var bad []string
	if e.Intent != "" && t.Intent != e.Intent {
		bad = append(bad, fmt.Sprintf("intent %q, want %q", t.Intent, e.Intent))
	}
	if e.Lang != "" && t.Lang != e.Lang {
		bad = append(bad, fmt.Sprintf("answer in %q, want %q", t.Lang, e.Lang))
	}
	keys := make([]string, 0, len(e.Entities))
	for k := range e.Entities {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if got := t.Entities[k]; got != e.Entities[k] {
			bad = append(bad, fmt.Sprintf("%s=%q, want %q", k, got, e.Entities[k]))
		}
	}
	want := e.Events
	if e.Event != "" {
		want = append([]string{e.Event}, want...)
	}
	for _, w := range want {
		found := false
		for _, ev := range t.Events {
			found = found || ev.Type == w
		}
		if !found {
			bad = append(bad, fmt.Sprintf("no %s event (got %v)", w, t.Events))
		}
	}
	if e.NoEvent && len(t.Events) > 0 {
		bad = append(bad, fmt.Sprintf("unexpected events %v", t.Events))
	}
	if e.Reference != "" {
		ref := e.Reference
		if ref == "{ref}" {
			ref = lastRef
		}
		found := false
		for _, ev := range t.Events {
			found = found || (ev.Reference != "" && strings.EqualFold(ev.Reference, ref))
		}
		if !found {
			bad = append(bad, fmt.Sprintf("no event about %s (got %v)", ref, t.Events))
		}
	}
	if e.Choices && len(t.Choices) == 0 {
		bad = append(bad, "no choices offered")
	}
	if c := e.Choice; c != nil {
		switch {
		case t.Chosen == "":
			bad = append(bad, "no choice understood")
		case c.Index > 0 && (c.Index > len(prevChoices) || prevChoices[c.Index-1].ID != t.Chosen):
			bad = append(bad, fmt.Sprintf("chose %q, want choice %d of %v", t.Chosen, c.Index, prevChoices))
		}
	}
	return strings.Join(bad, "; ")
}

// String prints a readable table.
func (r DialogueReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-44s %s\n", "dialogue success", r.Success)
	fmt.Fprintf(&b, "%-44s %s\n", "turns whose expectations held", r.Turns)
	for _, l := range []string{"fr", "en"} {
		fmt.Fprintf(&b, "%-44s %s\n", "  started in "+l, r.ByLang[l])
	}
	tags := make([]string, 0, len(r.ByTag))
	for t := range r.ByTag {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	for _, t := range tags {
		fmt.Fprintf(&b, "%-44s %s\n", "  tag "+t, r.ByTag[t])
	}
	for i, f := range r.Failures {
		if i == 20 {
			fmt.Fprintf(&b, "  … %d more failures\n", len(r.Failures)-i)
			break
		}
		fmt.Fprintf(&b, "  FAIL %s turn %d %q: %s\n", f.ID, f.Turn, f.User, f.Reason)
	}
	return b.String()
}
