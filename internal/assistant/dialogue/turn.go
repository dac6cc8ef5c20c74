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
	chosen  string
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
	return Reply{Messages: t.out, Intent: t.u.Intent, Entities: ents, Events: events, Lang: t.st.Lang,
		Chosen: t.chosen, Slots: t.st.slotEntities()}
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
	c, picked := t.picked(text)
	if !picked {
		// Anything the person says adds to what the conversation knows.
		if t.merge() && t.u.Intent != "book_appointment" && t.u.Intent != "cancel_appointment" && t.u.Intent != "reschedule_appointment" && t.st.Flow != "" && t.u.Intent != "human_agent" {
			t.continueFlow()
			return
		}
	}
	if picked {
		t.st.Misunderstood = 0
		t.chosen = c.ID
		t.choose(c)
		return
	}
	if t.st.LastIntent == "opening_hours" && t.u.Entities["date"] != "" && t.u.Entities["service"] == "" &&
		(t.u.Intent == "out_of_scope" || t.u.Intent == "help" || t.u.Confidence < 0.6) {
		t.u.Intent = "opening_hours" // « pis le 24 décembre ? »
	}
	defer func() { t.st.LastIntent = t.u.Intent }()
	if (t.u.Intent == "find_service" || t.u.Intent == "find_location") && (wantsAppointment(text) || t.u.Entities["date"] != "") {
		t.u.Intent = "book_appointment"
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
		if t.st.Flow == "reschedule" && t.st.Reference != "" && t.u.Entities["service"] == "" {
			// « mardi 8 décembre » while moving an appointment: a new time.
			t.merge()
			t.rescheduleFlow()
			return
		}
		if t.st.Flow == "cancel" || t.st.Flow == "reschedule" {
			t.resetBooking()
		}
		// What earlier questions established (the service, the place)
		// carries over into the booking.
		t.st.Flow = "book"
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
	if i, ok := ordinal(n); ok && i <= len(t.st.Choices) {
		return t.st.Choices[i-1], true
	}
	for _, c := range t.st.Choices {
		if l := search.Normalize(c.Label); n != "" && (l == n || (len(n) >= 4 && strings.Contains(l, n))) {
			return c, true
		}
	}
	if n == "le dernier" || n == "la derniere" || n == "dernier" || n == "derniere" || n == "the last" || n == "last" || n == "the last one" || n == "last one" {
		return t.st.Choices[len(t.st.Choices)-1], true
	}
	// Yes/no questions are answered by affirm/deny, or a usual word for it.
	if t.st.Asking == askConfirm || t.st.Asking == askCancelOK || t.st.Asking == askHandoff {
		switch {
		case t.u.Intent == "deny" || hasWord(n, noWords):
			return Choice{ID: "no"}, true
		case t.u.Intent == "affirm" || hasWord(n, yesWords):
			return Choice{ID: "yes"}, true
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
		if t.st.Flow == "reschedule" {
			t.askMove()
			return
		}
		t.continueFlow()
	case askConfirm:
		switch {
		case c.ID != "yes" && t.st.Point != "" && t.st.Service != "":
			// Not this one: the other times stay on offer, and anything
			// else can be changed by saying it.
			t.st.Start = ""
			t.say("assistant.what_to_change")
			if t.st.Flow == "reschedule" {
				if a, ok := t.authorize(); ok {
					t.offerSlots(a.PointID, a.ServiceID)
				}
				return
			}
			t.offerSlots(t.st.Point, t.st.Service)
		case c.ID != "yes":
			t.say("assistant.what_to_change")
		case t.st.Flow == "reschedule":
			t.rescheduleFlow()
		default:
			t.confirmBooking()
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
		if choices[0].near {
			// A point in the place named: go straight to its times (the
			// person can still name another place).
			t.st.Point = choices[0].Value
		} else {
			t.ask(askPoint, plainChoices(choices), "assistant.ask_point", sv.Name.In(l))
			return
		}
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

// pointChoice is a proposed point, and whether it is in (or next to) the
// place the person named.
type pointChoice struct {
	Choice
	near bool
}

func plainChoices(pcs []pointChoice) []Choice {
	out := make([]Choice, len(pcs))
	for i, p := range pcs {
		out[i] = p.Choice
	}
	return out
}

// pointChoices proposes the three nearest points offering the service.
func (t *turn) pointChoices(near, serviceID string) ([]pointChoice, error) {
	res, err := t.e.cat.Nearest(catalogNear(near, serviceID, t.now))
	if err != nil {
		return nil, err
	}
	l := t.l()
	var out []pointChoice
	for i, n := range res.Items {
		if i == 3 {
			break
		}
		label := fmt.Sprintf("%s, %s (%s km)", n.Point.Name.In(l), n.Point.Address, l.Decimal(n.DistanceKm, 1))
		out = append(out, pointChoice{Choice{ID: strconv.Itoa(i + 1), Label: label, Value: n.Point.ID},
			n.Point.Municipality == res.Origin.Label || n.DistanceKm <= 15})
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
	// « finalement, annule-le »: the appointment just booked is the one meant.
	t.st.Reference, t.st.Token = conf.Reference, conf.ManageToken
}

var (
	yesWords = []string{"oui", "ouais", "yes", "yep", "yeah", "ok", "okay", "correct", "confirme", "confirmer", "parfait",
		"c est beau", "d accord", "daccord", "go", "vas y", "sure", "confirm", "perfect", "sounds good", "exact", "exactement", "bien sur"}
	noWords = []string{"non", "no", "nope", "pas", "annule pas", "don t", "not"}
)

// hasWord tells whether a normalized text holds one of the words as a
// whole word or phrase.
func hasWord(n string, words []string) bool {
	padded := " " + n + " "
	for _, w := range words {
		if strings.Contains(padded, " "+w+" ") {
			return true
		}
	}
	return false
}

// fillers are words around an ordinal that do not change it.
var fillers = map[string]bool{"ok": true, "okay": true, "euh": true, "alors": true, "donc": true, "bon": true, "then": true,
	"le": true, "la": true, "l": true, "the": true, "one": true, "number": true, "numero": true, "no": false, "option": true,
	"choix": true, "svp": true, "stp": true, "please": true, "merci": true, "s": true, "il": true, "vous": true, "plait": true,
	"je": true, "prends": true, "veux": true, "i": true, "ll": true, "take": true, "want": true, "celui": true, "celle": true,
	"ci": true, "c": true, "est": true, "plutot": true, "instead": true, "heure": true, "time": true, "slot": true,
	"finalement": true, "enfin": true, "finally": true, "actually": true, "oh": true, "ah": true, "non": true}

var ordinalWords = map[string]int{
	"1": 1, "un": 1, "une": 1, "premier": 1, "premiere": 1, "1er": 1, "1re": 1, "first": 1,
	"2": 2, "deux": 2, "deuxieme": 2, "second": 2, "seconde": 2, "2e": 2, "two": 2, "2nd": 2,
	"3": 3, "trois": 3, "troisieme": 3, "3e": 3, "third": 3, "three": 3, "3rd": 3,
	"4": 4, "quatre": 4, "quatrieme": 4, "4e": 4, "fourth": 4, "four": 4, "4th": 4,
}

// ordinal reads « le premier », "the second one", « 2 », "ok the 3rd".
func ordinal(n string) (int, bool) {
	if i, ok := ordinals[n]; ok {
		return i, true
	}
	found := 0
	for _, w := range strings.Fields(n) {
		if i, ok := ordinalWords[w]; ok {
			if found != 0 {
				return 0, false
			}
			found = i
			continue
		}
		if !fillers[w] {
			return 0, false
		}
	}
	return found, found != 0
}

// wantsAppointment tells whether a message asks for an appointment.
func wantsAppointment(text string) bool {
	n := " " + search.Normalize(text) + " "
	for _, w := range []string{" rdv ", " rendez vous ", " rendez-vous ", " appointment ", " book ", " reserver ", " de la place ", " une place "} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}
