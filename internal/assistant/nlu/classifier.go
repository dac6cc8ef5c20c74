// Package nlu understands what a citizen writes to the assistant: which
// language (DetectLang) and what they want (the intent, with a calibrated
// confidence). Entities are extracted elsewhere (package entities).
//
// The intent classifier is a multinomial logistic regression over sparse
// features of the normalized text: words, French and English Snowball
// stems, word bigrams, the first word and character 3- to 5-grams (which
// make it robust to typos and to informal spellings). It is trained at
// start-up from the embedded corpus (corpus/fr.txt, corpus/en.txt), in well
// under a second, deterministically (fixed seed, fixed order).
//
// Confidence is calibrated by temperature scaling: the temperature is
// fitted on a held-out 15 % of the corpus (the dev split), then the model is
// retrained on the whole corpus with the same hyper-parameters. A message
// whose top confidence is below Threshold is out_of_scope, as is one whose
// best class is out_of_scope.
package nlu

import (
	"bufio"
	"bytes"
	"embed"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
)

// Intents, as fixed by the architecture contract.
const (
	Greet                 = "greet"
	Goodbye               = "goodbye"
	Thanks                = "thanks"
	Affirm                = "affirm"
	Deny                  = "deny"
	Help                  = "help"
	FindService           = "find_service"
	FindLocation          = "find_location"
	OpeningHours          = "opening_hours"
	RequiredDocuments     = "required_documents"
	BookAppointment       = "book_appointment"
	CancelAppointment     = "cancel_appointment"
	RescheduleAppointment = "reschedule_appointment"
	ListAppointments      = "list_appointments"
	RequestStatus         = "request_status"
	HumanAgent            = "human_agent"
	OutOfScope            = "out_of_scope"
)

// Intents lists every intent label, in a fixed order.
var Intents = []string{Greet, Goodbye, Thanks, Affirm, Deny, Help, FindService,
	FindLocation, OpeningHours, RequiredDocuments, BookAppointment,
	CancelAppointment, RescheduleAppointment, ListAppointments, RequestStatus,
	HumanAgent, OutOfScope}

// Threshold is the lowest calibrated confidence at which an in-scope intent
// is kept; below it the message is out_of_scope. It was chosen by
// cross-validation (4 folds of 15 % of the corpus lines): at 0.35 about
// 3 % of in-scope held-out messages are rejected (counting those the model
// puts in out_of_scope outright), and 39 of the 40 off-topic sentences of
// the tests are caught. Raising it to 0.5 catches all 40 but rejects 5 %.
const Threshold = 0.35

// DevPercent is the share of the corpus held out as the dev split.
const DevPercent = 15

//go:embed corpus/*.txt
var corpusFS embed.FS

// Example is one labelled utterance of the corpus. Source is the corpus
// line it comes from: a line with alternatives {a|b} gives several
// examples, which always fall on the same side of the dev split.
type Example struct {
	Lang, Intent, Text string
	Source             string
}

// Corpus returns the embedded training corpus, French first, with every
// line's alternatives expanded (see expand) and duplicates removed.
func Corpus() ([]Example, error) {
	var all []Example
	for _, lang := range []string{"fr", "en"} {
		b, err := corpusFS.ReadFile("corpus/" + lang + ".txt")
		if err != nil {
			return nil, fmt.Errorf("nlu: %w", err)
		}
		exs, err := parseCorpus(lang, b)
		if err != nil {
			return nil, err
		}
		all = append(all, exs...)
	}
	return all, nil
}

func parseCorpus(lang string, b []byte) ([]Example, error) {
	known := map[string]bool{}
	for _, in := range Intents {
		known[in] = true
	}
	var out []Example
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		intent, text, ok := strings.Cut(line, "\t")
		text = strings.TrimSpace(text)
		if !ok || !known[intent] || text == "" {
			return nil, fmt.Errorf("nlu: corpus/%s.txt:%d: want INTENT<TAB>utterance with a known intent, got %q", lang, n, line)
		}
		variants, err := expand(text, maxVariants)
		if err != nil {
			return nil, fmt.Errorf("nlu: corpus/%s.txt:%d: %w", lang, n, err)
		}
		for _, v := range variants {
			key := intent + "\x00" + prepare(v)
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, Example{Lang: lang, Intent: intent, Text: v, Source: text})
		}
	}
	return out, sc.Err()
}

// maxVariants is how many examples one corpus line may give at most.
const maxVariants = 8

// expand returns the texts a corpus line stands for. "{a|b} c {d|e|}"
// stands for "a c d", "a c e", "a c", "b c d"…; when there are more than
// limit combinations, limit of them are drawn with a generator seeded by
// the line itself, so the corpus always expands the same way.
func expand(text string, limit int) ([]string, error) {
	var slots [][]string
	for rest := text; rest != ""; {
		i := strings.IndexByte(rest, '{')
		if i < 0 {
			slots = append(slots, []string{rest})
			break
		}
		j := strings.IndexByte(rest[i:], '}')
		if j < 0 {
			return nil, fmt.Errorf("unclosed { in %q", text)
		}
		slots = append(slots, []string{rest[:i]}, strings.Split(rest[i+1:i+j], "|"))
		rest = rest[i+j+1:]
	}
	total := 1
	for _, s := range slots {
		total *= len(s)
	}
	picks := make([]int, total)
	for i := range picks {
		picks[i] = i
	}
	if total > limit {
		h := fnv.New64a()
		h.Write([]byte(text))
		rng := rand.New(rand.NewPCG(h.Sum64(), 1))
		rng.Shuffle(total, func(i, j int) { picks[i], picks[j] = picks[j], picks[i] })
		picks = picks[:limit]
		slices.Sort(picks)
	}
	out := make([]string, 0, len(picks))
	for _, p := range picks {
		var b strings.Builder
		idx := make([]int, len(slots))
		for k := len(slots) - 1; k >= 0; k-- {
			idx[k] = p % len(slots[k])
			p /= len(slots[k])
		}
		for k, s := range slots {
			b.WriteString(s[idx[k]])
		}
		v := strings.Join(strings.Fields(b.String()), " ")
		v = strings.ReplaceAll(v, " ,", ",")
		v = strings.ReplaceAll(v, " ?", "?")
		v = strings.ReplaceAll(v, " !", "!")
		if v != "" {
			out = append(out, v)
		}
	}
	return out, nil
}

// IsDev tells whether an example belongs to the dev split: a fixed 15 %
// of the corpus lines, chosen by a hash of the language and the line, so
// the split never depends on the order of the corpus and the variants of
// one line are never on both sides.
func IsDev(e Example) bool { return isDev(e, splitSalt) }

func isDev(e Example, salt string) bool {
	h := fnv.New32a()
	h.Write([]byte(salt + e.Lang + "\x00" + e.Source))
	return h.Sum32()%100 < DevPercent
}

// Split separates the corpus into its training and dev parts.
func Split(exs []Example) (trainSet, dev []Example) { return split(exs, splitSalt) }

func split(exs []Example, salt string) (trainSet, dev []Example) {
	for _, e := range exs {
		if isDev(e, salt) {
			dev = append(dev, e)
		} else {
			trainSet = append(trainSet, e)
		}
	}
	return trainSet, dev
}

// Classifier predicts the intent of a message. It is immutable once built
// and safe for concurrent use.
type Classifier struct {
	m           *model
	temperature float64
	threshold   float64
}

// Prediction is the classifier's answer for one message.
type Prediction struct {
	Intent     string  // out_of_scope when Confidence < threshold
	Confidence float64 // calibrated probability of Intent (of the best class when rejected)
	Best       string  // the best class before the threshold
}

// New trains the classifier on the embedded corpus: fit on the training
// split, calibrate the temperature on the dev split, then retrain on the
// whole corpus.
func New() (*Classifier, error) {
	exs, err := Corpus()
	if err != nil {
		return nil, err
	}
	tr, dev := Split(exs)
	c := Train(tr, DefaultOptions())
	c.Calibrate(dev)
	full := Train(exs, DefaultOptions())
	full.temperature = c.temperature
	return full, nil
}

// Train fits a classifier on examples with temperature 1 and the default
// Threshold. Call Calibrate with held-out examples to fit the temperature.
func Train(exs []Example, opt Options) *Classifier {
	idx := map[string]int{}
	for i, in := range Intents {
		idx[in] = i
	}
	xs := make([]features, len(exs))
	ys := make([]int, len(exs))
	for i, e := range exs {
		xs[i] = extract(nil, prepare(e.Text))
		ys[i] = idx[e.Intent]
	}
	return &Classifier{m: train(xs, ys, Intents, opt), temperature: 1, threshold: Threshold}
}

// Calibrate fits the softmax temperature on held-out examples.
func (c *Classifier) Calibrate(dev []Example) {
	idx := map[string]int{}
	for i, in := range Intents {
		idx[in] = i
	}
	logits := make([][]float64, len(dev))
	ys := make([]int, len(dev))
	for i, e := range dev {
		logits[i] = c.logits(e.Text)
		ys[i] = idx[e.Intent]
	}
	c.temperature = fitTemperature(logits, ys)
}

// Temperature is the fitted softmax temperature.
func (c *Classifier) Temperature() float64 { return c.temperature }

// Features is the number of distinct features the model knows.
func (c *Classifier) Features() int { return len(c.m.index) }

func (c *Classifier) logits(text string) []float64 {
	var buf [512]uint64
	var rows [512]int32
	hs := extract(buf[:0], prepare(text))
	out := make([]float64, len(c.m.labels))
	c.m.scores(c.m.vectorize(hs, rows[:0]), out)
	return out
}

// Probabilities returns the calibrated probability of every intent, in the
// order of Intents.
func (c *Classifier) Probabilities(text string) []float64 {
	p := c.logits(text)
	for j := range p {
		p[j] /= c.temperature
	}
	softmaxInPlace(p)
	return p
}

// Classify returns the most likely intent of text and its confidence.
func (c *Classifier) Classify(text string) Prediction {
	p := c.Probabilities(text)
	best := 0
	for j, x := range p {
		if x > p[best] {
			best = j
		}
	}
	pr := Prediction{Intent: c.m.labels[best], Best: c.m.labels[best], Confidence: round(p[best])}
	if pr.Confidence < c.threshold {
		pr.Intent = OutOfScope
	}
	return pr
}

// WithThreshold returns a copy of the classifier that rejects below t.
func (c *Classifier) WithThreshold(t float64) *Classifier {
	d := *c
	d.threshold = t
	return &d
}

// round keeps 4 decimals: enough for a confidence, stable in JSON.
func round(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// splitSalt chooses which corpus lines are held out. The corpus was
// extended while looking at the errors on earlier splits, so this salt was
// fixed afterwards, before measuring, and never tuned.
const splitSalt = "final-2026-11"
