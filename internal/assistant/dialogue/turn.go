package dialogue

import (
	"context"
	"fmt"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/guichet-qc/guichet/internal/booking"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/i18n"
	"github.com/guichet-qc/guichet/internal/search"
)

// turn is one message being handled.
type turn struct {
	e       *Engine
	ctx     context.Context
	st      *State
	in      Input
	now     time.Time
	u       Understanding
	out     []Message
	events  []Event
	handoff bool
}

func (t *turn) l() i18n.Lang { return i18n.Lang(t.st.Lang) }

func (t *turn) say(key string, args ...any) {
	t.out = append(t.out, Message{Role: "assistant", Text: i18n.T(t.l(), key, args...)})
}

// ask says something and offers choices, remembering what is asked.
func (t *turn) ask(asking string, choices []Choice, key string, args ...any) {
	t.st.Asking, t.st.Choices = asking, choices
	t.out = append(t.out, Message{Role: "assistant", Text: i18n.T(t.l(), key, args...), Choices: choices})
}

func (t *turn) reply() Reply {
	ents := t.u.Entities
	if ents == nil {
		ents = map[string]string{}
	}
	events := t.events
	if events == nil {
		events = []Event{}
	}
	return Reply{Messages: t.out, Intent: t.u.Intent, Entities: ents, Events: events, Lang: t.st.Lang}
}

// run understands the message and moves the conversation on.
func (t *turn) run() {
	text := t.in.Text
	if text == "" {
		text = labelOf(t.st.Choices, t.in.Choice)
	}
	t.u = t.e.nlu.Understand(text, t.st.Lang, t.now)
	if t.u.Lang == "fr" || t.u.Lang == "en" {
		t.st.Lang = t.u.Lang // the person switched language: so do we
	}
	// A choice picked by id, number, ordinal or label answers the question.
	if c, ok := t.picked(text); ok {
		t.st.Misunderstood = 0
		t.choose(c)
		return
	}
	switch t.u.Intent {
	case "human_agent":
		t.handOff()
		return
	case "cancel_appointment":
		t.st.Flow, t.st.Asking = "cancel", askNothing
		t.merge()
		t.cancelFlow()
		return
	case "reschedule_appointment":
		t.st.Flow, t.st.Asking = "reschedule", askNothing
		t.merge()
		t.rescheduleFlow()
		return
	case "book_appointment":
		if t.st.Flow != "book" {
			t.resetBooking()
			t.st.Flow = "book"
		}
		t.merge()
		t.bookFlow()
		return
	}
	// Answers to a pending question.
	if t.answer(text) {
		t.st.Misunderstood = 0
		return
	}
	switch t.u.Intent {
	case "greet":
		t.say("assistant.greet")
	case "thanks":
		t.say("assistant.thanks")
	case "goodbye":
		t.say("assistant.goodbye")
	case "help":
		t.say("assistant.help")
	case "find_service":
		t.findService(text)
	case "find_location", "opening_hours":
		t.findLocation()
	case "required_documents":
		t.documents(text)
	case "list_appointments", "request_status":
		t.listAppointments()
	case "affirm", "deny":
		if t.st.Flow != "" && t.merge() {
			t.continueFlow()
			return
		}
		t.misunderstood()
	default:
		// Slots given out of turn still count (« non, plutôt jeudi »).
		if t.st.Flow != "" && t.merge() {
			t.continueFlow()
			return
		}
		t.misunderstood()
	}
}

func (t *turn) continueFlow() {
	switch t.st.Flow {
	case "book":
		t.bookFlow()
	case "cancel":
		t.cancelFlow()
	case "reschedule":
		t.rescheduleFlow()
	}
}

func (t *turn) misunderstood() {
	t.st.Misunderstood++
	if t.st.Misunderstood >= 2 {
		t.st.Misunderstood = 0
		t.ask(askHandoff, []Choice{{ID: "yes", Label: i18n.T(t.l(), "assistant.choice.yes")}, {ID: "no", Label: i18n.T(t.l(), "assistant.choice.no")}},
			"assistant.offer_person")
		return
	}
	if t.u.Intent == "out_of_scope" {
		t.say("assistant.out_of_scope")
		return
	}
	t.say("assistant.not_understood")
}

func (t *turn) handOff() {
	t.handoff = true
	t.st.Asking, t.st.Choices = askNothing, nil
	t.events = append(t.events, Event{Type: "handoff_requested"})
	t.say("assistant.handoff")
}

func (t *turn) resetBooking() {
	*t.st = State{Lang: t.st.Lang, CitizenName: t.st.CitizenName, CitizenEmail: t.st.CitizenEmail}
}

// merge copies the entities of the message into the slots; a new value
// undoes what depended on the old one. It reports whether anything changed.
func (t *turn) merge() bool {
	changed := false
	set := func(dst *string, v string, clear ...*string) {
		if v != "" && v != *dst {
			*dst = v
			for _, c := range clear {
				*c = ""
			}
			changed = true
		}
	}
	en := t.u.Entities
	set(&t.st.Service, en["service"], &t.st.Point, &t.st.Start)
	near := en["postal_code"]
	if near == "" {
		near = en["municipality"]
	}
	set(&t.st.Near, near, &t.st.Point, &t.st.Start)
	set(&t.st.Date, en["date"], &t.st.Start)
	set(&t.st.Time, en["time"], &t.st.Start)
	set(&t.st.Reference, en["booking_ref"])
	if tok := tokenIn(t.in.Text); tok != "" {
		set(&t.st.Token, tok)
	}
	return changed
}

var tokenRE = regexp.MustCompile(`(?:token=|^\s*)([A-Za-z0-9_-]{22})(?:[&\s]|$)`)

// tokenIn finds a manage token in a pasted link or on its own.
func tokenIn(text string) string {
	if m := tokenRE.FindStringSubmatch(text); m != nil {
		return m[1]
	}
	return ""
}

var ordinals = map[string]int{
	"1": 1, "2": 2, "3": 3, "4": 4, "5": 5,
	"premier": 1, "premiere": 1, "le premier": 1, "la premiere": 1, "1er": 1, "1re": 1,
	"deuxieme": 2, "second": 2, "seconde": 2, "le deuxieme": 2, "la deuxieme": 2, "le second": 2, "la seconde": 2,
	"troisieme": 3, "le troisieme": 3, "la troisieme": 3, "quatrieme": 4, "le quatrieme": 4, "la quatrieme": 4,
	"first": 1, "the first": 1, "the first one": 1, "first one": 1,
	"the second": 2, "the second one": 2, "second one": 2,
	"third": 3, "the third": 3, "the third one": 3, "third one": 3,
	"fourth": 4, "the fourth": 4, "the fourth one": 4,
	"number 1": 1, "number 2": 2, "number 3": 3, "numero 1": 1, "numero 2": 2, "numero 3": 3,
	"option 1": 1, "option 2": 2, "option 3": 3, "choix 1": 1, "choix 2": 2, "choix 3": 3,
}

// picked finds the choice a message designates.
func (t *turn) picked(text string) (Choice, bool) {
	if len(t.st.Choices) == 0 {
		return Choice{}, false
	}
	if t.in.Choice != "" {
		for _, c := range t.st.Choices {
			if c.ID == t.in.Choice {
				return c, true
			}
		}
	}
	n := search.Normalize(text)
	for _, suffix := range []string{" svp", " s il vous plait", " please", " stp", " merci"} {
		n = strings.TrimSuffix(n, suffix)
	}
	if i, ok := ordinals[n]; ok && i <= len(t.st.Choices) {
		return t.st.Choices[i-1], true
	}
	for _, c := range t.st.Choices {
		if l := search.Normalize(c.Label); n != "" && (l == n || (len(n) >= 4 && strings.Contains(l, n))) {
			return c, true
		}
	}
	// Yes/no questions are answered by affirm/deny.
	if t.st.Asking == askConfirm || t.st.Asking == askCancelOK || t.st.Asking == askHandoff {
		switch t.u.Intent {
		case "affirm":
			return Choice{ID: "yes"}, true
		case "deny":
			return Choice{ID: "no"}, true
		}
	}
	return Choice{}, false
}

// choose acts on a picked choice.
func (t *turn) choose(c Choice) {
	asking := t.st.Asking
	t.st.Asking, t.st.Choices = askNothing, nil
	switch asking {
	case askService:
		t.st.Service, t.st.Point, t.st.Start = c.Value, "", ""
		t.bookFlow()
	case askPoint:
		t.st.Point, t.st.Start = c.Value, ""
		t.continueFlow()
	case askSlot:
		t.st.Start = c.Value
		t.continueFlow()
	case askConfirm:
		if c.ID == "yes" {
			t.confirmBooking()
		} else {
			t.say("assistant.what_to_change")
		}
	case askCancelOK:
		if c.ID == "yes" {
			t.doCancel()
		} else {
			t.st.Flow = ""
			t.say("assistant.cancel_kept")
		}
	case askHandoff:
		if c.ID == "yes" {
			t.handOff()
		} else {
			t.say("assistant.help")
		}
	default:
		t.say("assistant.not_understood")
	}
}

// answer takes a free-text answer to a pending question (a name, an
// e-mail, a place).
func (t *turn) answer(text string) bool {
	switch t.st.Asking {
	case askName:
		if t.u.Intent == "out_of_scope" || t.u.Confidence < 0.9 || t.u.Intent == "greet" {
			name := strings.Join(strings.Fields(text), " ")
			if name != "" && len(name) <= 200 && !strings.ContainsAny(name, "@0123456789") {
				t.st.Name = name
				t.bookFlow()
				return true
			}
		}
	case askEmail:
		if a, err := mail.ParseAddress(strings.TrimSpace(text)); err == nil && strings.Contains(a.Address, ".") {
			t.st.Email = a.Address
			t.bookFlow()
			return true
		}
		if strings.Contains(text, "@") {
			t.ask(askEmail, nil, "assistant.bad_email")
			return true
		}
	case askPlace, askService, askSlot, askReference, askToken:
		if t.merge() {
			t.continueFlow()
			return true
		}
	}
	return false
}

// bookFlow asks for the next missing slot of a booking, or confirms.
func (t *turn) bookFlow() {
	t.st.Flow = "book"
	l := t.l()
	if t.st.Service == "" {
		t.ask(askService, t.serviceChoices(t.in.Text), "assistant.ask_service")
		return
	}
	sv, err := t.e.cat.Service(t.st.Service)
	if err != nil {
		t.st.Service = ""
		t.ask(askService, nil, "assistant.ask_service")
		return
	}
	if !sv.AppointmentRequired {
		t.st.Flow = ""
		t.say("assistant.no_appointment_needed", sv.Name.In(l), t.e.link(pagePath(l, "service", sv.ID)))
		return
	}
	if t.st.Point == "" {
		if t.st.Near == "" {
			t.ask(askPlace, nil, "assistant.ask_place", sv.Name.In(l))
			return
		}
		choices, err := t.pointChoices(t.st.Near, sv.ID)
		if err != nil {
			t.st.Near = ""
			t.ask(askPlace, nil, "assistant.place_unknown", errMessage(l, err))
			return
		}
		if len(choices) == 0 {
			t.ask(askPlace, nil, "assistant.no_point")
			return
		}
		t.ask(askPoint, choices, "assistant.ask_point", sv.Name.In(l))
		return
	}
	if t.st.Start == "" {
		t.offerSlots(t.st.Point, t.st.Service)
		return
	}
	if t.st.Name == "" && t.st.CitizenName != "" {
		t.st.Name, t.st.Email = t.st.CitizenName, t.st.CitizenEmail
	}
	if t.st.Name == "" {
		t.ask(askName, nil, "assistant.ask_name")
		return
	}
	if t.st.Email == "" {
		t.ask(askEmail, nil, "assistant.ask_email")
		return
	}
	p, sched, _ := t.e.cat.Point(t.st.Point)
	start, _ := time.Parse(time.RFC3339, t.st.Start)
	t.ask(askConfirm, yesNo(l), "assistant.confirm", sv.Name.In(l), p.Name.In(l), whenText(l, start.In(sched.Location())), t.st.Name, t.st.Email)
}

func yesNo(l i18n.Lang) []Choice {
	return []Choice{{ID: "yes", Label: i18n.T(l, "assistant.choice.confirm")}, {ID: "no", Label: i18n.T(l, "assistant.choice.change")}}
}

func whenText(l i18n.Lang, t time.Time) string {
	return i18n.T(l, "assistant.when", l.WeekdayDate(t), l.Time(t))
}

func errMessage(l i18n.Lang, err error) string {
	e := errs.As(err)
	if e.Code == errs.Internal {
		return i18n.T(l, "error.internal")
	}
	return i18n.T(l, e.Key, e.Args...)
}

// serviceChoices proposes the services matching what was said.
func (t *turn) serviceChoices(text string) []Choice {
	var out []Choice
	for i, sv := range t.e.cat.Search(text, t.l(), 3) {
		out = append(out, Choice{ID: strconv.Itoa(i + 1), Label: sv.Name.In(t.l()), Value: sv.ID})
	}
	return out
}

// pointChoices proposes the three nearest points offering the service.
func (t *turn) pointChoices(near, serviceID string) ([]Choice, error) {
	res, err := t.e.cat.Nearest(catalogNear(near, serviceID, t.now))
	if err != nil {
		return nil, err
	}
	l := t.l()
	var out []Choice
	for i, n := range res.Items {
		if i == 3 {
			break
		}
		label := fmt.Sprintf("%s — %s (%s km)", n.Point.Name.In(l), n.Point.Municipality, l.Decimal(n.DistanceKm, 1))
		out = append(out, Choice{ID: strconv.Itoa(i + 1), Label: label, Value: n.Point.ID})
	}
	return out, nil
}

// offerSlots proposes up to four free times: on the day asked for, near
// the time asked for, or else the first ones available.
func (t *turn) offerSlots(pointID, serviceID string) {
	l := t.l()
	p, sched, err := t.e.cat.Point(pointID)
	if err != nil {
		t.st.Point = ""
		t.bookFlow()
		return
	}
	loc := sched.Location()
	from := t.now
	to := t.now.AddDate(0, 0, 14)
	asked := ""
	if t.st.Date != "" {
		if d, err := time.ParseInLocation(time.DateOnly, t.st.Date, loc); err == nil {
			from, to = d, d.AddDate(0, 0, 1)
			asked = l.WeekdayDate(d)
		}
	}
	slots, err := t.e.book.Availability(t.ctx, pointID, serviceID, from, to)
	if err != nil {
		t.say("assistant.error", errMessage(l, err))
		return
	}
	if len(slots) == 0 && asked != "" {
		t.st.Date = ""
		slots, _ = t.e.book.Availability(t.ctx, pointID, serviceID, t.now, t.now.AddDate(0, 0, 14))
		if len(slots) == 0 {
			t.ask(askPlace, nil, "assistant.no_slot_at_all", p.Name.In(l))
			return
		}
		t.ask(askSlot, slotChoices(l, slots, t.st.Time, loc), "assistant.no_slot_that_day", asked)
		return
	}
	if len(slots) == 0 {
		t.st.Point = ""
		t.ask(askPlace, nil, "assistant.no_slot_at_all", p.Name.In(l))
		return
	}
	t.ask(askSlot, slotChoices(l, slots, t.st.Time, loc), "assistant.ask_slot", p.Name.In(l))
}

// slotChoices picks four slots, nearest to the time asked for (HH:MM).
func slotChoices(l i18n.Lang, slots []booking.Slot, hhmm string, loc *time.Location) []Choice {
	if hhmm != "" && len(slots) > 4 {
		h, _ := strconv.Atoi(hhmm[:2])
		m, _ := strconv.Atoi(hhmm[3:])
		want := h*60 + m
		best := 0
		bestGap := 1 << 30
		for i, s := range slots {
			st := s.Start.In(loc)
			if gap := abs(st.Hour()*60 + st.Minute() - want); gap < bestGap && sameDay(st, slots[0].Start.In(loc)) {
				best, bestGap = i, gap
			}
		}
		lo := max(0, best-1)
		slots = slots[lo:min(len(slots), lo+4)]
	}
	var out []Choice
	for i, s := range slots {
		if i == 4 {
			break
		}
		out = append(out, Choice{ID: strconv.Itoa(i + 1), Label: whenText(l, s.Start.In(loc)), Value: s.Start.Format(time.RFC3339)})
	}
	return out
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// confirmBooking books through the booking service, as the web does.
func (t *turn) confirmBooking() {
	l := t.l()
	start, err := time.Parse(time.RFC3339, t.st.Start)
	if err != nil {
		t.st.Start = ""
		t.bookFlow()
		return
	}
	conf, err := t.e.book.Book(t.ctx, booking.Request{PointID: t.st.Point, ServiceID: t.st.Service, Start: start,
		Citizen: booking.Citizen{Name: t.st.Name, Email: t.st.Email}, Lang: t.st.Lang, Channel: booking.ChannelAssistant})
	if err != nil {
		e := errs.As(err)
		if e.Key == "booking.slot_full" || e.Field == "start" {
			t.st.Start = ""
			t.say("assistant.error", errMessage(l, err))
			t.offerSlots(t.st.Point, t.st.Service)
			return
		}
		t.say("assistant.error", errMessage(l, err))
		return
	}
	t.events = append(t.events, Event{Type: "appointment_booked", Reference: conf.Reference})
	t.say("assistant.booked", conf.Reference, t.e.manage(t.st.Lang, conf.Reference, conf.ManageToken))
	t.resetBooking()
}
