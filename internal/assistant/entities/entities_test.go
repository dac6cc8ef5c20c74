package entities

import (
	"fmt"
	"sync"
	"testing"
)

type kvCase struct {
	text, lang string
	want       string // "" = must be absent
}

var serviceCases = []kvCase{
	{"carte soleil", "fr", "ramq-carte-renouvellement"},
	{"ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?", "fr", "ramq-carte-renouvellement"},
	{"renouveler ma carte d'assurance maladie", "fr", "ramq-carte-renouvellement"},
	{"ma carte d’assurance-maladie est expirée", "fr", "ramq-carte-renouvellement"},
	{"I need to renew my health card", "en", "ramq-carte-renouvellement"},
	{"medicare card", "en", "ramq-carte-renouvellement"},
	{"renouveler carte", "fr", "ramq-carte-renouvellement"},
	{"j'ai perdu ma carte soleil", "fr", "ramq-carte-remplacement"},
	{"carte volée", "fr", "ramq-carte-remplacement"},
	{"I lost my medicare card", "en", "ramq-carte-remplacement"},
	{"lost card", "en", "ramq-carte-remplacement"},
	{"je suis un nouvel arrivant", "fr", "ramq-inscription"},
	{"newcomer", "en", "ramq-inscription"},
	{"permis de conduire", "fr", "saaq-permis-renouvellement"},
	{"permi de conduir", "fr", "saaq-permis-renouvellement"},
	{"renouveler mon permis", "fr", "saaq-permis-renouvellement"},
	{"driver's licence", "en", "saaq-permis-renouvellement"},
	{"renew my driver's license", "en", "saaq-permis-renouvellement"},
	{"examen théorique", "fr", "saaq-examen-theorique"},
	{"examen theorique", "fr", "saaq-examen-theorique"},
	{"knowledge test", "en", "saaq-examen-theorique"},
	{"written driving test", "en", "saaq-examen-theorique"},
	{"examen de conduite théorique", "fr", "saaq-examen-theorique"},
	{"driving test", "en", "saaq-examen-pratique"},
	{"j'ai perdu ma carte soleil", "fr", "ramq-carte-remplacement"},
	{"my health card was stolen", "en", "ramq-carte-remplacement"},
	{"examen de conduite", "fr", "saaq-examen-pratique"},
	{"examen pratique", "fr", "saaq-examen-pratique"},
	{"road test", "en", "saaq-examen-pratique"},
	{"passer mon permis", "fr", "saaq-examen-pratique"},
	{"plaque", "fr", "saaq-immatriculation"},
	{"plaque d'immatriculation", "fr", "saaq-immatriculation"},
	{"license plate", "en", "saaq-immatriculation"},
	{"je déménage", "fr", "changement-adresse"},
	{"je demenage le 1er juillet", "fr", "changement-adresse"},
	{"changement d'adresse", "fr", "changement-adresse"},
	{"I am moving", "en", "changement-adresse"},
	{"acte de naissance", "fr", "etat-civil-certificat-naissance"},
	{"certificat de naisance", "fr", "etat-civil-certificat-naissance"},
	{"birth certificate", "en", "etat-civil-certificat-naissance"},
	{"changer de nom", "fr", "etat-civil-changement-nom"},
	{"legal name change", "en", "etat-civil-changement-nom"},
	{"aide sociale", "fr", "aide-sociale"},
	{"welfare", "en", "aide-sociale"},
	{"congé parental", "fr", "rqap-prestations"},
	{"RQAP", "fr", "rqap-prestations"},
	{"parental leave", "en", "rqap-prestations"},
	{"enregistrer une entreprise", "fr", "entreprise-immatriculation"},
	{"register a business", "en", "entreprise-immatriculation"},
	{"NEQ", "fr", "entreprise-immatriculation"},
	{"faire mes impôts", "fr", "revenu-declaration"},
	{"impots", "fr", "revenu-declaration"},
	{"tax return", "en", "revenu-declaration"},
	{"allocation famille", "fr", "allocation-famille"},
	{"child benefit", "en", "allocation-famille"},
	{"prise de sang", "fr", "sante-prelevements"},
	{"vaccin contre la grippe", "fr", "sante-vaccination"},
	{"flu shot", "en", "sante-vaccination"},
	// not confident, or not a service of ours
	{"carte", "fr", ""},
	{"card", "en", ""},
	{"examen", "fr", ""},
	{"test", "en", ""},
	{"passeport", "fr", ""},
	{"passport", "en", ""},
	{"bonjour", "fr", ""},
	{"mon nom est Marie Tremblay", "fr", ""},
	{"je veux changer mon rendez-vous", "fr", ""},
	{"merci beaucoup", "fr", ""},
	{"what time is it", "en", ""},
	{"demain à 13 h", "fr", ""},
	{"RAMQ", "fr", ""},
	{"SAAQ", "fr", ""},
	{"he takes the bus", "en", ""},
	{"renouvellement", "fr", ""},
	{"la carte de mon fils", "fr", ""},
	{"taxes", "en", "revenu-declaration"},
	{"carte expirée", "fr", "ramq-carte-renouvellement"},
	{"expired health card", "en", "ramq-carte-renouvellement"},
	{"immatriculer mon auto", "fr", "saaq-immatriculation"},
	{"changer mon adresse", "fr", "changement-adresse"},
	{"j'attends un bébé", "fr", "rqap-prestations"},
	{"where can I get a flu shot near Laval", "en", "sante-vaccination"},
}

var placeCases = []kvCase{
	{"à Lévis", "fr", "Lévis"},
	{"levis", "fr", "Lévis"},
	{"LEVIS", "fr", "Lévis"},
	{"Trois Rivieres", "fr", "Trois-Rivières"},
	{"trois-rivières", "fr", "Trois-Rivières"},
	{"st-jean-sur-richelieu", "fr", "Saint-Jean-sur-Richelieu"},
	{"à St-Jérôme", "fr", "Saint-Jérôme"},
	{"Ste-Julie", "fr", "Sainte-Julie"},
	{"Montréal", "fr", "Montréal"},
	{"montreal", "en", "Montréal"},
	{"in Montreal", "en", "Montréal"},
	{"un bureau près de Sherbrooke", "fr", "Sherbrooke"},
	{"near Gatineau", "en", "Gatineau"},
	{"à Laval jeudi après-midi", "fr", "Laval"},
	{"ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?", "fr", "Laval"},
	{"Sherbroke", "fr", "Sherbrooke"},
	{"Longueuil", "fr", "Longueuil"},
	{"longeuil", "fr", "Longueuil"},
	{"à Saguenay", "fr", "Saguenay"},
	{"rimouski", "fr", "Rimouski"},
	{"à Québec", "fr", "Québec"},
	{"Quebec City", "en", "Québec"},
	{"dans la ville de Québec", "fr", "Québec"},
	{"Notre-Dame-des-Prairies", "fr", "Notre-Dame-des-Prairies"},
	{"rivière du loup", "fr", "Rivière-du-Loup"},
	{"à Price", "fr", "Price"},
	{"Val-d'Or", "fr", "Val-d'Or"},
	{"à La Tuque", "fr", "La Tuque"},
	{"Saint-Jean-sur-Richelieu svp", "fr", "Saint-Jean-sur-Richelieu"},
	{"Drummondville", "fr", "Drummondville"},
	{"l'Île-Perrot", "fr", "L'Île-Perrot"},
	{"à Montréal est-ce possible?", "fr", "Montréal"},
	{"pas à Laval, à Longueuil", "fr", "Longueuil"},
	// negative
	{"au Québec", "fr", ""},
	{"je viens d'arriver au Québec", "fr", ""},
	{"Revenu Québec", "fr", ""},
	{"le bureau de Québec est ouvert?", "fr", "Québec"},
	{"the Quebec office", "en", "Québec"},
	{"I have hope", "en", ""},
	{"the price is high", "en", ""},
	{"une nouvelle carte", "fr", ""},
	{"c'est le mieux", "fr", ""},
	{"je m'appelle Marie Lemieux", "fr", ""},
	{"demain à 13 h", "fr", ""},
	{"bonjour", "fr", ""},
	{"carte soleil", "fr", ""},
	{"la prairie est belle", "fr", ""},
	{"j'habite au 45 rue Laval", "fr", ""},
	{"alma est ma fille", "fr", ""},
	{"Montréal est fermé?", "fr", "Montréal"},
	{"Montréal-Est", "fr", "Montréal-Est"},
	{"St-Hyacinthe", "fr", "Saint-Hyacinthe"},
	{"ste-anne-des-plaines", "fr", "Sainte-Anne-des-Plaines"},
	{"ville de Laval", "fr", "Laval"},
	{"je suis à Québec demain", "fr", "Québec"},
	{"québec", "fr", "Québec"},
	{"Gatineau ou Ottawa", "fr", "Gatineau"},
}

var codeCases = []struct {
	text      string
	postal    string
	reference string
}{
	{"H2X 1Y4", "H2X 1Y4", ""},
	{"mon code postal est h2x1y4", "H2X 1Y4", ""},
	{"G1R-4S9", "G1R 4S9", ""},
	{"j3a 1h1 svp", "J3A 1H1", ""},
	{"my postal code is k1a 0b1", "K1A 0B1", ""},
	{"H2X", "", ""},
	{"D2X 1Y4", "", ""},
	{"RV-7K3M9P", "", "RV-7K3M9P"},
	{"rv-7k3m9p", "", "RV-7K3M9P"},
	{"rv7k3m9p", "", "RV-7K3M9P"},
	{"rv 7k3m9p", "", "RV-7K3M9P"},
	{"annuler mon rendez-vous RV-4H2K9M svp", "", "RV-4H2K9M"},
	{"ma référence est 7k3m9p", "", "RV-7K3M9P"},
	{"7K3M9P", "", "RV-7K3M9P"},
	{"rv demain", "", ""},
	{"RV-7K3U9P", "", ""},
	{"rendez-vous", "", ""},
	{"514-555-1234", "", ""},
	{"1h30pm", "", ""},
	{"RV-7K3M9P à H2X 1Y4", "H2X 1Y4", "RV-7K3M9P"},
}

func TestServices(t *testing.T) {
	e := extractor(t)
	pass := 0
	for _, tc := range serviceCases {
		got := e.Extract(tc.text, tc.lang, refNow)[KeyService]
		if got == tc.want {
			pass++
			continue
		}
		t.Errorf("%q: service %q, want %q", tc.text, got, tc.want)
	}
	t.Logf("services: %d/%d", pass, len(serviceCases))
}

func TestMunicipalities(t *testing.T) {
	e := extractor(t)
	pass := 0
	for _, tc := range placeCases {
		got := e.Extract(tc.text, tc.lang, refNow)[KeyMunicipality]
		if got == tc.want {
			pass++
			continue
		}
		t.Errorf("%q: municipality %q, want %q", tc.text, got, tc.want)
	}
	t.Logf("municipalities: %d/%d", pass, len(placeCases))
}

func TestCodes(t *testing.T) {
	e := extractor(t)
	for _, tc := range codeCases {
		got := e.Extract(tc.text, "fr", refNow)
		if got[KeyPostalCode] != tc.postal || got[KeyBookingRef] != tc.reference {
			t.Errorf("%q: postal %q ref %q, want %q %q", tc.text, got[KeyPostalCode], got[KeyBookingRef], tc.postal, tc.reference)
		}
	}
}

// TestWholeUtterances checks every key together on full messages.
func TestWholeUtterances(t *testing.T) {
	e := extractor(t)
	for _, tc := range []struct {
		text string
		want map[string]string
	}{
		{"ma carte soleil expire, je peux avoir un rendez-vous à Laval jeudi après-midi?", map[string]string{
			KeyService: "ramq-carte-renouvellement", KeyMunicipality: "Laval", KeyDate: "2026-12-03", KeyTime: "14:00"}},
		{"I need a road test in Sherbrooke next Tuesday at 3pm, postal code J1H 5N4", map[string]string{
			KeyService: "saaq-examen-pratique", KeyMunicipality: "Sherbrooke", KeyDate: "2026-12-01", KeyTime: "15:00", KeyPostalCode: "J1H 5N4"}},
		{"déplacer RV-7K3M9P au 17 décembre à 10 h", map[string]string{
			KeyBookingRef: "RV-7K3M9P", KeyDate: "2026-12-17", KeyTime: "10:00"}},
		{"bonjour", map[string]string{}},
		{"", map[string]string{}},
	} {
		got := e.Extract(tc.text, "fr", refNow)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%q:\n got %v\nwant %v", tc.text, got, tc.want)
		}
	}
}

// TestTimeZone checks that now is converted to America/Toronto: 03:00 UTC
// on the 27th is still the 26th in Montréal.
func TestTimeZone(t *testing.T) {
	e := extractor(t)
	now := refNow.UTC().Add(7 * 60 * 60 * 1e9) // 2026-11-27 03:00 UTC = 22:00 on the 26th in Montréal
	if got := e.Extract("demain", "fr", now)[KeyDate]; got != "2026-11-27" {
		t.Errorf("demain at 22:00 Montréal: %q", got)
	}
}

func TestEmptyExtractor(t *testing.T) {
	e := New(nil, nil)
	got := e.Extract("carte soleil à Laval demain", "fr", refNow)
	if got[KeyDate] != "2026-11-27" || got[KeyService] != "" || got[KeyMunicipality] != "" {
		t.Errorf("%v", got)
	}
}

// TestConcurrent runs Extract from several goroutines (go test -race).
func TestConcurrent(t *testing.T) {
	e := extractor(t)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, tc := range dateTimeCases[g*10 : g*10+10] {
				if got := e.Extract(tc.text, tc.lang, refNow); got[KeyDate] != tc.date {
					t.Errorf("%q: %v", tc.text, got)
				}
			}
		}()
	}
	wg.Wait()
}

// TestParseReferenceContract pins the booking reference contract.
func TestParseReferenceContract(t *testing.T) {
	for in, want := range map[string]string{
		"RV-7K3M9P": "RV-7K3M9P", "rv7k3m9p": "RV-7K3M9P", "7k3m9p": "RV-7K3M9P",
		"rv-o1il00": "RV-011100", "RV-7K3U9P": "", "RV-7K3M9": "",
	} {
		got, ok := parseReference(in)
		if got != want || ok != (want != "") {
			t.Errorf("%q: %q %v, want %q", in, got, ok, want)
		}
	}
}
