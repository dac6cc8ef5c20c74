package eval

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// ParseFunc is the parser under test: it returns the detected language, the
// intent, a confidence in [0,1] and the entities in their normal forms.
// langHint is "" (detect) for the utterance set and the case's language for
// the date and time suite.
type ParseFunc func(text, langHint string, now time.Time) (lang, intent string, confidence float64, entities map[string]string)

// MaxInScopeRejection is the false-rejection rate at which out-of-scope
// recall is measured.
const MaxInScopeRejection = 0.03

// Ratio is a count of successes over a total.
type Ratio struct{ OK, N int }

// Value is OK/N, or 0 when N is 0.
func (r Ratio) Value() float64 {
	if r.N == 0 {
		return 0
	}
	return float64(r.OK) / float64(r.N)
}

func (r Ratio) String() string { return fmt.Sprintf("%6.2f %% (%d/%d)", 100*r.Value(), r.OK, r.N) }

// PR holds entity counts: true positives, false positives, false negatives.
type PR struct{ TP, FP, FN int }

// Precision is TP/(TP+FP); 1 when nothing was predicted.
func (p PR) Precision() float64 {
	if p.TP+p.FP == 0 {
		return 1
	}
	return float64(p.TP) / float64(p.TP+p.FP)
}

// Recall is TP/(TP+FN); 1 when nothing was expected.
func (p PR) Recall() float64 {
	if p.TP+p.FN == 0 {
		return 1
	}
	return float64(p.TP) / float64(p.TP+p.FN)
}

// F1 is the harmonic mean of precision and recall.
func (p PR) F1() float64 {
	a, b := p.Precision(), p.Recall()
	if a+b == 0 {
		return 0
	}
	return 2 * a * b / (a + b)
}

// Miss describes one error, for the report.
type Miss struct {
	Line int
	Text string
	Want string
	Got  string
}

// ParseReport is what ScoreParse measures.
type ParseReport struct {
	Intent       map[string]Ratio // per language ("fr", "en")
	IntentAll    Ratio
	PerIntent    map[string]Ratio // recall per gold intent
	Lang         Ratio            // language detection on the utterance set
	Entities     PR               // micro, over in-scope utterances
	EntityPerKey map[string]PR
	Datetimes    Ratio // cases where date and time are both right
	DatetimesBy  map[string]Ratio

	// Out of scope.
	OOSRawRecall        Ratio   // gold out_of_scope predicted out_of_scope
	InScopeRawRejection Ratio   // gold in-scope predicted out_of_scope
	Threshold           float64 // confidence threshold chosen on the set
	ThresholdFeasible   bool    // false when the model's own rejections already exceed MaxInScopeRejection
	OOSRecall           Ratio   // at Threshold: predicted out_of_scope or confidence < Threshold
	InScopeRejection    Ratio   // at Threshold

	IntentMisses   []Miss
	EntityMisses   []Miss
	DatetimeMisses []Miss
}

type scored struct {
	gold   string
	pred   string
	conf   float64
	inGold bool
}

// ScoreParse runs p over the whole set and measures it.
func ScoreParse(p ParseFunc, set *Set) ParseReport {
	r := ParseReport{
		Intent:       map[string]Ratio{},
		PerIntent:    map[string]Ratio{},
		EntityPerKey: map[string]PR{},
		DatetimesBy:  map[string]Ratio{},
	}
	now := set.Now
	var all []scored
	for _, u := range set.Utterances {
		lang, intent, conf, ents := p(u.Text, "", now)
		ok := intent == u.Intent
		r.Intent[u.Lang] = addRatio(r.Intent[u.Lang], ok)
		r.IntentAll = addRatio(r.IntentAll, ok)
		r.PerIntent[u.Intent] = addRatio(r.PerIntent[u.Intent], ok)
		r.Lang = addRatio(r.Lang, lang == u.Lang)
		if !ok {
			r.IntentMisses = append(r.IntentMisses, Miss{u.Line, u.Text, u.Intent, fmt.Sprintf("%s (%.2f)", intent, conf)})
		}
		all = append(all, scored{u.Intent, intent, conf, u.Intent != OutOfScope})
		if u.Intent == OutOfScope {
			continue // entities are scored on in-scope messages only
		}
		bad := false
		for _, k := range EntityKeys {
			want, hasW := u.Entities[k]
			got, hasG := ents[k]
			pr := r.EntityPerKey[k]
			switch {
			case hasW && hasG && want == got:
				pr.TP++
			case hasW && hasG:
				pr.FP++
				pr.FN++
				bad = true
			case hasW:
				pr.FN++
				bad = true
			case hasG && !u.Lenient[k]:
				pr.FP++
				bad = true
			}
			r.EntityPerKey[k] = pr
		}
		if bad {
			r.EntityMisses = append(r.EntityMisses, Miss{u.Line, u.Text, fmtEnts(u.Entities), fmtEnts(ents)})
		}
	}
	for _, k := range EntityKeys {
		pr := r.EntityPerKey[k]
		r.Entities.TP += pr.TP
		r.Entities.FP += pr.FP
		r.Entities.FN += pr.FN
	}
	for _, c := range set.Datetimes {
		_, _, _, ents := p(c.Text, c.Lang, now)
		ok := fieldOK(c.Date, ents["date"], c.Lenient["date"]) && fieldOK(c.Time, ents["time"], c.Lenient["time"])
		r.Datetimes = addRatio(r.Datetimes, ok)
		r.DatetimesBy[c.Lang] = addRatio(r.DatetimesBy[c.Lang], ok)
		if !ok {
			r.DatetimeMisses = append(r.DatetimeMisses, Miss{c.Line, c.Text, "date=" + c.Date + " time=" + c.Time, "date=" + ents["date"] + " time=" + ents["time"]})
		}
	}
	r.scoreOOS(all)
	return r
}

func fieldOK(want, got string, lenient bool) bool {
	if want != "" {
		return want == got
	}
	return got == "" || lenient
}

func addRatio(r Ratio, ok bool) Ratio {
	r.N++
	if ok {
		r.OK++
	}
	return r
}

func fmtEnts(m map[string]string) string {
	var parts []string
	for _, k := range EntityKeys {
		if v, ok := m[k]; ok {
			parts = append(parts, k+"="+v)
		}
	}
	var extra []string
	for k, v := range m {
		if !isEntityKey(k) {
			extra = append(extra, k+"="+v)
		}
	}
	sort.Strings(extra)
	return strings.Join(append(parts, extra...), ";")
}

// scoreOOS picks the highest confidence threshold that rejects at most
// MaxInScopeRejection of the in-scope messages (a message is rejected when
// predicted out_of_scope or when its confidence is below the threshold) and
// measures out-of-scope recall there.
func (r *ParseReport) scoreOOS(all []scored) {
	var inConf []float64
	nIn, base := 0, 0
	for _, s := range all {
		if !s.inGold {
			r.OOSRawRecall = addRatio(r.OOSRawRecall, s.pred == OutOfScope)
			continue
		}
		nIn++
		r.InScopeRawRejection = addRatio(r.InScopeRawRejection, s.pred == OutOfScope)
		if s.pred == OutOfScope {
			base++
		} else {
			inConf = append(inConf, s.conf)
		}
	}
	sort.Float64s(inConf)
	allowed := int(math.Floor(MaxInScopeRejection * float64(nIn)))
	switch k := allowed - base; {
	case k < 0:
		r.Threshold, r.ThresholdFeasible = 0, false
	case k >= len(inConf):
		r.Threshold, r.ThresholdFeasible = math.Inf(1), true
	default:
		r.Threshold, r.ThresholdFeasible = inConf[k], true
	}
	for _, s := range all {
		rej := s.pred == OutOfScope || s.conf < r.Threshold
		if s.inGold {
			r.InScopeRejection = addRatio(r.InScopeRejection, rej)
		} else {
			r.OOSRecall = addRatio(r.OOSRecall, rej)
		}
	}
}

// String prints a readable table.
func (r ParseReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-44s %s\n", "metric", "value")
	fmt.Fprintf(&b, "%-44s %s\n", strings.Repeat("-", 44), strings.Repeat("-", 24))
	for _, l := range []string{"fr", "en"} {
		fmt.Fprintf(&b, "%-44s %s\n", "intent accuracy ("+l+")", r.Intent[l])
	}
	fmt.Fprintf(&b, "%-44s %s\n", "intent accuracy (all)", r.IntentAll)
	fmt.Fprintf(&b, "%-44s %s\n", "language detection", r.Lang)
	fmt.Fprintf(&b, "%-44s P %6.2f %%  R %6.2f %%  (tp %d fp %d fn %d)\n", "entities (micro)", 100*r.Entities.Precision(), 100*r.Entities.Recall(), r.Entities.TP, r.Entities.FP, r.Entities.FN)
	for _, k := range EntityKeys {
		pr := r.EntityPerKey[k]
		fmt.Fprintf(&b, "%-44s P %6.2f %%  R %6.2f %%  (tp %d fp %d fn %d)\n", "  "+k, 100*pr.Precision(), 100*pr.Recall(), pr.TP, pr.FP, pr.FN)
	}
	fmt.Fprintf(&b, "%-44s %s\n", "dates and times (suite)", r.Datetimes)
	for _, l := range []string{"fr", "en"} {
		fmt.Fprintf(&b, "%-44s %s\n", "  "+l, r.DatetimesBy[l])
	}
	fmt.Fprintf(&b, "%-44s %s\n", "out-of-scope recall (model's decision)", r.OOSRawRecall)
	fmt.Fprintf(&b, "%-44s %s\n", "in-scope rejected (model's decision)", r.InScopeRawRejection)
	th := fmt.Sprintf("%.4f", r.Threshold)
	if !r.ThresholdFeasible {
		th = "none (model already rejects too many)"
	}
	fmt.Fprintf(&b, "%-44s %s\n", fmt.Sprintf("threshold for <= %.0f %% in-scope rejected", 100*MaxInScopeRejection), th)
	fmt.Fprintf(&b, "%-44s %s\n", "out-of-scope recall at threshold", r.OOSRecall)
	fmt.Fprintf(&b, "%-44s %s\n", "in-scope rejected at threshold", r.InScopeRejection)
	b.WriteString("\nintent recall per intent:\n")
	for _, in := range Intents {
		if x, ok := r.PerIntent[in]; ok {
			fmt.Fprintf(&b, "  %-42s %s\n", in, x)
		}
	}
	return b.String()
}

// Misses prints up to n errors of each kind, for debugging.
func (r ParseReport) Misses(n int) string {
	var b strings.Builder
	dump := func(title string, ms []Miss) {
		if len(ms) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s (%d):\n", title, len(ms))
		for i, m := range ms {
			if i == n {
				fmt.Fprintf(&b, "  …\n")
				break
			}
			fmt.Fprintf(&b, "  line %d: %q\n      want %s\n      got  %s\n", m.Line, m.Text, m.Want, m.Got)
		}
	}
	dump("intent errors", r.IntentMisses)
	dump("entity errors", r.EntityMisses)
	dump("date/time errors", r.DatetimeMisses)
	return b.String()
}
