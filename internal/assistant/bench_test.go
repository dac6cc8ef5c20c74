package assistant

import (
	"testing"
	"time"
)

// BenchmarkParse is one message understood end to end (language, intent,
// entities), beside BenchmarkClassify in package nlu.
func BenchmarkParse(b *testing.B) {
	p, err := parser()
	if err != nil {
		b.Fatal(err)
	}
	msgs := []string{
		"ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?",
		"cancel RV-7K3M9P please",
		"ok",
		"c koi les heures du bureau de la SAAQ à Trois-Rivières",
	}
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	for i := 0; b.Loop(); i++ {
		_ = p.Parse(msgs[i%len(msgs)], "", now)
	}
}
