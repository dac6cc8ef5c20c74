package eval

import (
	"errors"
	"fmt"
	"strings"
)

// Targets are the thresholds of issue 6.
type Targets struct {
	IntentPerLang       float64 // intent accuracy in each language
	EntityPrecision     float64
	EntityRecall        float64
	Datetimes           float64 // date/time suite accuracy
	OOSRecall           float64 // at the chosen threshold
	MaxInScopeRejection float64 // in-scope rejected at that threshold
	DialogueSuccess     float64
}

// DefaultTargets are the project's targets.
var DefaultTargets = Targets{
	IntentPerLang:       0.95,
	EntityPrecision:     0.95,
	EntityRecall:        0.95,
	Datetimes:           0.97,
	OOSRecall:           0.85,
	MaxInScopeRejection: MaxInScopeRejection,
	DialogueSuccess:     0.95,
}

// Report gathers a parse report and, when measured, a dialogue report.
type Report struct {
	Parse    ParseReport
	Dialogue *DialogueReport
}

// String prints both tables.
func (r Report) String() string {
	s := "== parsing ==\n" + r.Parse.String()
	if r.Dialogue != nil {
		s += "\n== dialogues ==\n" + r.Dialogue.String()
	} else {
		s += "\n== dialogues ==\nnot measured\n"
	}
	return s
}

// Check returns an error listing every missed target (nil when all hold)
// against DefaultTargets; a missing dialogue report is a missed target.
func (r Report) Check() error { return DefaultTargets.Check(r) }

// Check returns an error listing every target r misses.
func (t Targets) Check(r Report) error {
	var miss []string
	miss = append(miss, t.parseMisses(r.Parse)...)
	if r.Dialogue == nil {
		miss = append(miss, "dialogue success: not measured")
	} else {
		miss = append(miss, t.dialogueMisses(*r.Dialogue)...)
	}
	return joinMisses(miss)
}

// CheckParse checks only the parsing targets.
func (t Targets) CheckParse(p ParseReport) error { return joinMisses(t.parseMisses(p)) }

// CheckDialogues checks only the dialogue target.
func (t Targets) CheckDialogues(d DialogueReport) error { return joinMisses(t.dialogueMisses(d)) }

func joinMisses(miss []string) error {
	if len(miss) == 0 {
		return nil
	}
	return errors.New("assistant evaluation targets missed:\n  " + strings.Join(miss, "\n  "))
}

func pct(x float64) string { return fmt.Sprintf("%.2f %%", 100*x) }

func (t Targets) parseMisses(p ParseReport) []string {
	var miss []string
	for _, l := range []string{"fr", "en"} {
		r := p.Intent[l]
		if r.N == 0 || r.Value() < t.IntentPerLang {
			miss = append(miss, fmt.Sprintf("intent accuracy (%s) %s < %s", l, pct(r.Value()), pct(t.IntentPerLang)))
		}
	}
	if v := p.Entities.Precision(); v < t.EntityPrecision {
		miss = append(miss, fmt.Sprintf("entity precision %s < %s", pct(v), pct(t.EntityPrecision)))
	}
	if v := p.Entities.Recall(); v < t.EntityRecall {
		miss = append(miss, fmt.Sprintf("entity recall %s < %s", pct(v), pct(t.EntityRecall)))
	}
	if p.Datetimes.N == 0 || p.Datetimes.Value() < t.Datetimes {
		miss = append(miss, fmt.Sprintf("dates and times %s < %s", pct(p.Datetimes.Value()), pct(t.Datetimes)))
	}
	if v := p.InScopeRejection.Value(); !p.ThresholdFeasible || v > t.MaxInScopeRejection {
		miss = append(miss, fmt.Sprintf("in-scope rejected %s > %s (no confidence threshold keeps it below)", pct(v), pct(t.MaxInScopeRejection)))
	}
	if p.OOSRecall.N == 0 || p.OOSRecall.Value() < t.OOSRecall {
		miss = append(miss, fmt.Sprintf("out-of-scope recall at <= %s in-scope rejected: %s < %s", pct(t.MaxInScopeRejection), pct(p.OOSRecall.Value()), pct(t.OOSRecall)))
	}
	return miss
}

func (t Targets) dialogueMisses(d DialogueReport) []string {
	if d.Success.N == 0 || d.Success.Value() < t.DialogueSuccess {
		return []string{fmt.Sprintf("dialogue success %s < %s", pct(d.Success.Value()), pct(t.DialogueSuccess))}
	}
	return nil
}
