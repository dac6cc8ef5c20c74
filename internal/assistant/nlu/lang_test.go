package nlu

import "testing"

func TestDetectLang(t *testing.T) {
	for _, tt := range []struct{ text, hint, want string }{
		{"bonjour", "en", "fr"},
		{"merci", "en", "fr"},
		{"merci beaucoup", "", "fr"},
		{"oui", "en", "fr"},
		{"non", "en", "fr"},
		{"yes", "fr", "en"},
		{"no", "fr", "en"},
		{"thanks", "fr", "en"},
		{"hello", "fr", "en"},
		{"ok", "fr", "fr"},
		{"ok", "en", "en"},
		{"ok", "", "fr"},
		{"H2X 1Y4", "en", "en"},
		{"RV-7K3M9P", "", "fr"},
		{"", "", "fr"},
		{"Laval", "de", "fr"},
		{"ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?", "en", "fr"},
		{"chu pus capable d'y aller pis j'veux annuler mon rdv", "en", "fr"},
		{"c koi les heures du bureau", "en", "fr"},
		{"annuler mon rdv", "en", "fr"},
		{"rendez vous demain", "en", "fr"},
		{"je veux renouveler mon permis", "en", "fr"},
		{"où est le bureau le plus proche", "en", "fr"},
		{"I want to book an appointment in Montréal", "fr", "en"},
		{"can I move my appointment to Friday", "fr", "en"},
		{"what's the status of my application", "fr", "en"},
		{"I'd like to renew my health card", "fr", "en"},
		{"where is the nearest SAAQ office", "fr", "en"},
		{"cancel my appt", "fr", "en"},
		{"Where's the office in Trois-Rivières?", "fr", "en"},
		{"my carte soleil expired, what do I do", "fr", "en"},
		{"est-ce que je peux book un rendez-vous", "en", "fr"},
	} {
		if got := DetectLang(tt.text, tt.hint); got != tt.want {
			t.Errorf("DetectLang(%q, %q) = %s, want %s", tt.text, tt.hint, got, tt.want)
		}
	}
}
