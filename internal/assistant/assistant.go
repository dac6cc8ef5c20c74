// Package assistant is the conversational assistant's understanding of one
// message: its language, its intent with a calibrated confidence, and its
// entities (service, municipality, postal code, date, time, booking
// reference). Parse is what `guichet assistant parse` prints, line by line;
// the dialogue builds on the same Result.
package assistant

import (
	"cmp"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/guichet-qc/guichet/internal/assistant/entities"
	"github.com/guichet-qc/guichet/internal/assistant/nlu"
	"github.com/guichet-qc/guichet/internal/catalog/demo"
)

// Result is the understanding of one message. Entities is never nil, so it
// serializes as {} when nothing was found.
type Result struct {
	Text       string            `json:"text"`
	Lang       string            `json:"lang"`
	Intent     string            `json:"intent"`
	Confidence float64           `json:"confidence"`
	Entities   map[string]string `json:"entities"`
}

// Catalog is what the parser needs of the catalogue, as plain data: the
// services (ids with their names, keywords and synonyms in both languages)
// and the canonical names of the municipalities.
type Catalog struct {
	Services       []entities.Service
	Municipalities []string
}

// DemoCatalog builds the Catalog of the embedded demonstration data set:
// its services, and the municipalities of its gazetteer and of its service
// points.
func DemoCatalog() (Catalog, error) {
	ds, err := demo.Load()
	if err != nil {
		return Catalog{}, err
	}
	var cat Catalog
	for _, s := range ds.Services {
		es := entities.Service{ID: s.ID}
		es.Names = appendNonEmpty(es.Names, s.Name.FR, s.Name.EN)
		es.Keywords = append(append(es.Keywords, s.Keywords.FR...), s.Keywords.EN...)
		es.Synonyms = append(append(es.Synonyms, s.Synonyms.FR...), s.Synonyms.EN...)
		cat.Services = append(cat.Services, es)
	}
	for _, m := range ds.Municipalities {
		cat.Municipalities = append(cat.Municipalities, m.Name)
	}
	for _, sp := range ds.ServicePoints {
		cat.Municipalities = append(cat.Municipalities, sp.Municipality)
	}
	cat.Municipalities = slices.Compact(slices.SortedFunc(slices.Values(appendNonEmpty(nil, cat.Municipalities...)), cmp.Compare))
	return cat, nil
}

func appendNonEmpty(dst []string, ss ...string) []string {
	for _, s := range ss {
		if s != "" {
			dst = append(dst, s)
		}
	}
	return dst
}

// Parser understands messages. It is safe for concurrent use: the trained
// classifier never changes, and the entity extractor is swapped whole when
// the catalogue changes (UseCatalog).
type Parser struct {
	classifier *nlu.Classifier
	extractor  atomic.Pointer[entities.Extractor]
}

// NewParser trains the intent classifier on the embedded corpus and builds
// the entity extractor from cat.
func NewParser(cat Catalog) (*Parser, error) {
	c, err := nlu.New()
	if err != nil {
		return nil, fmt.Errorf("assistant: training the intent classifier: %w", err)
	}
	p := &Parser{classifier: c}
	p.UseCatalog(cat)
	return p, nil
}

// UseCatalog makes the parser recognize the services and municipalities of
// cat from the next message on (a catalogue edit or an import of
// municipalities); messages being parsed finish with the previous lists.
func (p *Parser) UseCatalog(cat Catalog) {
	p.extractor.Store(entities.New(cat.Services, cat.Municipalities))
}

// Classifier is the parser's intent classifier.
func (p *Parser) Classifier() *nlu.Classifier { return p.classifier }

// Parse understands one message. langHint ("fr", "en" or "") decides the
// language only when the message itself does not (« ok », a postal code);
// French is the default. now is the reference instant of relative dates
// (« demain », "next Tuesday"), resolved in America/Toronto.
//
// Confidence is the calibrated probability of the intent returned. When a
// message is out_of_scope because no intent reached nlu.Threshold, it is
// 1 − the probability of the best in-scope intent.
//
// One rule corrects the classifier, where its threshold is too cautious:
// a message rejected only for low confidence that names a catalogue
// service or a booking reference is about our services, so it keeps the
// classifier's best intent when that intent is one of the tasks about a
// service or an appointment (not small talk): « carte soleil, svp ? ».
// Its confidence stays the classifier's (below the threshold).
func (p *Parser) Parse(text, langHint string, now time.Time) Result {
	lang := nlu.DetectLang(text, langHint)
	pred := p.classifier.Classify(text)
	ents := p.extractor.Load().Extract(text, lang, now)
	if ents == nil {
		ents = map[string]string{}
	}
	r := Result{Text: text, Lang: lang, Intent: pred.Intent, Confidence: pred.Confidence, Entities: ents}
	if pred.Intent == nlu.OutOfScope && pred.Best != nlu.OutOfScope {
		if (ents[entities.KeyService] != "" || ents[entities.KeyBookingRef] != "") && taskIntents[pred.Best] {
			r.Intent = pred.Best
		} else {
			r.Confidence = roundConf(1 - pred.Confidence)
		}
	}
	return r
}

// taskIntents are the intents about a service or an appointment.
var taskIntents = map[string]bool{
	nlu.FindService: true, nlu.FindLocation: true, nlu.OpeningHours: true,
	nlu.RequiredDocuments: true, nlu.BookAppointment: true, nlu.CancelAppointment: true,
	nlu.RescheduleAppointment: true, nlu.ListAppointments: true, nlu.RequestStatus: true,
}

func roundConf(x float64) float64 {
	return float64(int64(x*1e4+0.5)) / 1e4
}
