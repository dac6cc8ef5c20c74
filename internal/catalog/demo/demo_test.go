package demo

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/guichet-qc/guichet/internal/catalog"
	"github.com/guichet-qc/guichet/internal/geo"
)

func load(t *testing.T) Dataset {
	t.Helper()
	d, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return d
}

// contractServices are the fixed service ids and their organizations.
var contractServices = map[string]string{
	"ramq-carte-renouvellement":       "ramq",
	"ramq-carte-remplacement":         "ramq",
	"ramq-inscription":                "ramq",
	"saaq-permis-renouvellement":      "saaq",
	"saaq-examen-theorique":           "saaq",
	"saaq-examen-pratique":            "saaq",
	"saaq-immatriculation":            "saaq",
	"changement-adresse":              "services-quebec",
	"etat-civil-certificat-naissance": "etat-civil",
	"etat-civil-changement-nom":       "etat-civil",
	"aide-sociale":                    "mess",
	"rqap-prestations":                "cgap",
	"entreprise-immatriculation":      "req",
	"revenu-declaration":              "revenu-quebec",
	"allocation-famille":              "retraite-quebec",
}

// contractMunicipalities must each have points offering requiredServices.
var contractMunicipalities = []string{
	"Montréal", "Québec", "Laval", "Gatineau", "Longueuil",
	"Sherbrooke", "Trois-Rivières", "Saguenay", "Lévis", "Rimouski",
}

var requiredServices = []string{
	"ramq-carte-renouvellement", "saaq-examen-theorique", "saaq-examen-pratique", "saaq-immatriculation",
}

func TestLoad(t *testing.T) {
	d := load(t)
	for name, n := range map[string]int{
		"organizations": len(d.Organizations), "services": len(d.Services), "service points": len(d.ServicePoints),
		"municipalities": len(d.Municipalities), "fsas": len(d.FSAs),
	} {
		if n == 0 {
			t.Errorf("no %s", name)
		}
	}
}

func TestUniqueIDs(t *testing.T) {
	d := load(t)
	check := func(kind string, ids []string) {
		seen := map[string]bool{}
		for _, id := range ids {
			if id == "" {
				t.Errorf("%s: empty id", kind)
			}
			if seen[id] {
				t.Errorf("%s: duplicate id %q", kind, id)
			}
			seen[id] = true
		}
	}
	var ids []string
	for _, o := range d.Organizations {
		ids = append(ids, o.ID)
	}
	check("organization", ids)
	ids = nil
	for _, s := range d.Services {
		ids = append(ids, s.ID)
	}
	check("service", ids)
	ids = nil
	for _, p := range d.ServicePoints {
		ids = append(ids, p.ID)
	}
	check("service point", ids)
	ids = nil
	for _, m := range d.Municipalities {
		ids = append(ids, m.Code)
	}
	check("municipality code", ids)
	ids = nil
	for _, m := range d.Municipalities {
		ids = append(ids, m.Name)
	}
	check("municipality name", ids)
	ids = nil
	for _, f := range d.FSAs {
		ids = append(ids, f.Code)
	}
	check("fsa", ids)
}

func TestReferences(t *testing.T) {
	d := load(t)
	orgs := map[string]bool{}
	for _, o := range d.Organizations {
		orgs[o.ID] = true
	}
	services := map[string]bool{}
	for _, s := range d.Services {
		services[s.ID] = true
		if !orgs[s.OrganizationID] {
			t.Errorf("service %s: unknown organization %q", s.ID, s.OrganizationID)
		}
	}
	for _, p := range d.ServicePoints {
		if !orgs[p.OrganizationID] {
			t.Errorf("point %s: unknown organization %q", p.ID, p.OrganizationID)
		}
		if len(p.Offers) == 0 {
			t.Errorf("point %s: offers nothing", p.ID)
		}
		seen := map[string]bool{}
		for _, o := range p.Offers {
			if !services[o.ServiceID] {
				t.Errorf("point %s: unknown service %q", p.ID, o.ServiceID)
			}
			if seen[o.ServiceID] {
				t.Errorf("point %s: service %s offered twice", p.ID, o.ServiceID)
			}
			seen[o.ServiceID] = true
			if o.Counters < 1 {
				t.Errorf("point %s, service %s: %d counters", p.ID, o.ServiceID, o.Counters)
			}
		}
	}
}

func TestContractServices(t *testing.T) {
	d := load(t)
	byID := map[string]catalog.Service{}
	for _, s := range d.Services {
		byID[s.ID] = s
	}
	for id, org := range contractServices {
		t.Run(id, func(t *testing.T) {
			s, ok := byID[id]
			if !ok {
				t.Fatalf("missing service %s", id)
			}
			if s.OrganizationID != org {
				t.Errorf("organization = %q, want %q", s.OrganizationID, org)
			}
		})
	}
	for _, id := range []string{"sante-prelevements", "sante-vaccination", "sante-urgences"} {
		s, ok := byID[id]
		if !ok || s.OrganizationID != "sante-quebec" {
			t.Errorf("health service %s missing or not offered by sante-quebec", id)
		}
	}
	if u := byID["sante-urgences"]; u.AppointmentRequired || u.Online.Available || !u.InPerson.Available {
		t.Errorf("sante-urgences must be in person, without appointment")
	}
}

func TestMunicipalityCoverage(t *testing.T) {
	d := load(t)
	munis := map[string]geo.Municipality{}
	for _, m := range d.Municipalities {
		munis[m.Name] = m
	}
	for _, name := range contractMunicipalities {
		t.Run(name, func(t *testing.T) {
			if _, ok := munis[name]; !ok {
				t.Errorf("municipality %q missing from municipalities.json", name)
			}
			for _, svc := range requiredServices {
				found := false
				for _, p := range d.ServicePoints {
					if p.Municipality == name && p.OffersService(svc) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("no point in %s offers %s", name, svc)
				}
			}
		})
	}
	for _, p := range d.ServicePoints {
		if _, ok := munis[p.Municipality]; !ok {
			t.Errorf("point %s: municipality %q not in municipalities.json", p.ID, p.Municipality)
		}
	}
	for _, m := range d.Municipalities {
		if m.Code == "" || m.Region == "" || m.Population <= 0 || !geo.InQuebec(m.Point) {
			t.Errorf("municipality %+v: incomplete", m)
		}
	}
}

// frenchTypography reports the first typographic fault of a French string:
// a straight apostrophe, or a missing no-break space before : ; ? ! or
// inside « ».
func frenchTypography(s string) error {
	if strings.Contains(s, "'") {
		return fmt.Errorf("straight apostrophe (use ’)")
	}
	if strings.TrimSpace(s) != s {
		return fmt.Errorf("leading or trailing space")
	}
	var prev rune
	rs := []rune(s)
	for i, r := range rs {
		switch r {
		case ':', ';', '?', '!', '»':
			if prev != '\u00a0' && prev != '\u202f' {
				return fmt.Errorf("no no-break space before %q at rune %d", r, i)
			}
		case '«':
			if i+1 >= len(rs) || (rs[i+1] != '\u00a0' && rs[i+1] != '\u202f') {
				return fmt.Errorf("no no-break space after « at rune %d", i)
			}
		}
		prev = r
	}
	return nil
}

func TestFrenchTypographyChecker(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"Carte d’assurance maladie", true},
		{"Carte d'assurance maladie", false},
		{"Heures réduites\u00a0: formation", true},
		{"Heures réduites : formation", false},
		{"Heures réduites: formation", false},
		{"Vraiment\u00a0?", true},
		{"Vraiment?", false},
		{"Attention\u00a0!", true},
		{"un\u00a0; deux", true},
		{"un ; deux", false},
		{"«\u00a0carte soleil\u00a0»", true},
		{"« carte soleil »", false},
		{"«carte soleil»", false},
	} {
		if err := frenchTypography(tc.in); (err == nil) != tc.ok {
			t.Errorf("frenchTypography(%q) = %v, want ok=%v", tc.in, err, tc.ok)
		}
	}
}

// checkText requires both languages, and French typography in French.
func checkText(t *testing.T, where string, x catalog.Text) {
	t.Helper()
	if strings.TrimSpace(x.FR) == "" || strings.TrimSpace(x.EN) == "" {
		t.Errorf("%s: missing FR or EN text: %+v", where, x)
		return
	}
	checkFR(t, where, x.FR)
	if !utf8.ValidString(x.EN) || strings.TrimSpace(x.EN) != x.EN {
		t.Errorf("%s: EN text %q is not clean", where, x.EN)
	}
}

func checkFR(t *testing.T, where, s string) {
	t.Helper()
	if err := frenchTypography(s); err != nil {
		t.Errorf("%s: %q: %v", where, s, err)
	}
}

// checkOptional checks a text that may be absent; when French is set, English
// must be too.
func checkOptional(t *testing.T, where string, x catalog.Text) {
	t.Helper()
	if x.FR == "" && x.EN == "" {
		return
	}
	checkText(t, where, x)
}

func checkURL(t *testing.T, where, u string) {
	t.Helper()
	if u != "" && !strings.HasPrefix(u, "https://") {
		t.Errorf("%s: URL %q is not https", where, u)
	}
}

func TestTexts(t *testing.T) {
	d := load(t)
	for _, o := range d.Organizations {
		checkText(t, "organization "+o.ID+" name", o.Name)
		checkURL(t, "organization "+o.ID, o.Website)
		if o.Website == "" || o.Phone == "" || o.Acronym == "" {
			t.Errorf("organization %s: website, phone and acronym are expected", o.ID)
		}
	}
	for _, s := range d.Services {
		w := "service " + s.ID
		checkText(t, w+" name", s.Name)
		checkText(t, w+" summary", s.Summary)
		if len(s.Documents) == 0 {
			t.Errorf("%s: no documents", w)
		}
		for i, doc := range s.Documents {
			checkText(t, fmt.Sprintf("%s document %d", w, i), doc)
		}
		channels := map[string]catalog.Channel{"online": s.Online, "in_person": s.InPerson, "by_phone": s.ByPhone, "by_mail": s.ByMail}
		some := false
		for name, c := range channels {
			checkOptional(t, w+" "+name+" note", c.Note)
			checkURL(t, w+" "+name, c.URL)
			some = some || c.Available
			if !c.Available && (c.URL != "" || c.Phone != "" || c.Note.FR != "") {
				t.Errorf("%s %s: details on an unavailable channel", w, name)
			}
		}
		if !some {
			t.Errorf("%s: no channel available", w)
		}
		if s.Online.Available && s.Online.URL == "" {
			t.Errorf("%s: online without URL", w)
		}
		if s.ByPhone.Available && s.ByPhone.Phone == "" {
			t.Errorf("%s: by phone without a number", w)
		}
		switch s.OnlineAssurance {
		case catalog.LoALow, catalog.LoASubstantial, catalog.LoAHigh:
		case "":
			if s.Online.Available {
				t.Errorf("%s: online without an assurance level", w)
			}
		default:
			t.Errorf("%s: unknown assurance level %q", w, s.OnlineAssurance)
		}
		if s.AppointmentRequired && s.DurationMinutes <= 0 {
			t.Errorf("%s: appointment without duration", w)
		}
		if s.DurationMinutes < 0 {
			t.Errorf("%s: negative duration", w)
		}
		if len(s.Keywords.FR) == 0 || len(s.Keywords.EN) == 0 || len(s.Synonyms.FR) == 0 || len(s.Synonyms.EN) == 0 {
			t.Errorf("%s: keywords and synonyms are expected in both languages", w)
		}
		for _, k := range append(append([]string{}, s.Keywords.FR...), s.Synonyms.FR...) {
			checkFR(t, w+" keyword", k)
		}
		if s.Fee != "" {
			checkFR(t, w+" fee", s.Fee)
		}
	}
	for _, p := range d.ServicePoints {
		checkText(t, "point "+p.ID+" name", p.Name)
		checkFR(t, "point "+p.ID+" address", p.Address)
		for _, e := range p.Exceptions {
			checkOptional(t, "point "+p.ID+" exception "+e.Date, e.Reason)
		}
	}
}

var (
	postalCodeRE = regexp.MustCompile(`^[GHJ]\d[A-Z] \d[A-Z]\d$`)
	hhmmRE       = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$`)
)

func checkIntervals(t *testing.T, where string, ivs []catalog.Interval) {
	t.Helper()
	last := ""
	for _, iv := range ivs {
		if !hhmmRE.MatchString(iv.Open) || !hhmmRE.MatchString(iv.Close) {
			t.Errorf("%s: interval %v is not HH:MM", where, iv)
			continue
		}
		if iv.Open >= iv.Close {
			t.Errorf("%s: interval %v does not open before it closes", where, iv)
		}
		if last != "" && iv.Open <= last {
			t.Errorf("%s: interval %v overlaps or is out of order", where, iv)
		}
		last = iv.Close
	}
}

func TestServicePoints(t *testing.T) {
	d := load(t)
	munis := map[string]geo.Municipality{}
	for _, m := range d.Municipalities {
		munis[m.Name] = m
	}
	fsas := map[string]bool{}
	for _, f := range d.FSAs {
		fsas[f.Code] = true
	}
	for _, p := range d.ServicePoints {
		t.Run(p.ID, func(t *testing.T) {
			pt := geo.Point{Lat: p.Lat, Lon: p.Lon}
			if !geo.InQuebec(pt) {
				t.Errorf("coordinates %v outside Québec", pt)
			}
			if m, ok := munis[p.Municipality]; ok {
				if km := geo.DistanceKm(pt, m.Point); km > 30 {
					t.Errorf("%.1f km from the centre of %s", km, m.Name)
				}
			}
			switch p.Precision {
			case catalog.PrecisionExact, catalog.PrecisionApproximate, catalog.PrecisionArea:
			default:
				t.Errorf("precision %q", p.Precision)
			}
			if !postalCodeRE.MatchString(p.PostalCode) {
				t.Errorf("postal code %q", p.PostalCode)
			} else if !fsas[p.PostalCode[:3]] {
				t.Errorf("FSA %s not in fsas.json", p.PostalCode[:3])
			}
			if _, err := time.LoadLocation(p.TimeZone); err != nil || p.TimeZone == "" {
				t.Errorf("time zone %q: %v", p.TimeZone, err)
			}
			if p.Source != "demo" {
				t.Errorf("source %q", p.Source)
			}
			if p.Address == "" || p.Phone == "" {
				t.Errorf("address and phone are expected")
			}
			open := false
			for day, ivs := range p.Hours {
				checkIntervals(t, fmt.Sprintf("%s day %d", p.ID, day), ivs)
				open = open || len(ivs) > 0
			}
			if !open {
				t.Errorf("never open")
			}
			dates := map[string]bool{}
			for _, e := range p.Exceptions {
				if _, err := time.Parse(time.DateOnly, e.Date); err != nil {
					t.Errorf("exception date %q: %v", e.Date, err)
				}
				if dates[e.Date] {
					t.Errorf("two exceptions on %s", e.Date)
				}
				dates[e.Date] = true
				if e.Closed && len(e.Intervals) > 0 {
					t.Errorf("exception %s: closed with intervals", e.Date)
				}
				if !e.Closed && len(e.Intervals) == 0 {
					t.Errorf("exception %s: neither closed nor intervals", e.Date)
				}
				checkIntervals(t, p.ID+" exception "+e.Date, e.Intervals)
			}
		})
	}
}

func TestFSAs(t *testing.T) {
	d := load(t)
	byCode := map[string]geo.FSA{}
	for _, f := range d.FSAs {
		byCode[f.Code] = f
		if c, ok := geo.ParseFSA(f.Code); !ok || c != f.Code || !geo.QuebecFSA(f.Code) {
			t.Errorf("FSA %q is not a Québec FSA", f.Code)
		}
		if !geo.InQuebec(f.Point) {
			t.Errorf("FSA %s: %v outside Québec", f.Code, f.Point)
		}
	}
	for _, code := range []string{"H3A", "G1V", "G6V", "J8Y", "J8T", "J9H"} {
		if _, ok := byCode[code]; !ok {
			t.Errorf("FSA %s missing", code)
		}
	}
}

// TestGazetteer checks that the data set builds a gazetteer that finds its
// towns by name however they are typed.
func TestGazetteer(t *testing.T) {
	d := load(t)
	g := geo.NewGazetteer(d.Municipalities, d.FSAs)
	for _, tc := range []struct{ typed, want string }{
		{"montreal", "Montréal"}, {"QUEBEC", "Québec"}, {"trois rivieres", "Trois-Rivières"}, {"Levis", "Lévis"},
	} {
		if m, ok := g.Municipality(tc.typed); !ok || m.Name != tc.want {
			t.Errorf("Municipality(%q) = %q, %v; want %q", tc.typed, m.Name, ok, tc.want)
		}
	}
	if loc, err := g.Locate("H3A 1B9"); err != nil || loc.Kind != "postal_code" {
		t.Errorf("Locate(H3A 1B9) = %+v, %v", loc, err)
	}
}

// TestSynonyms checks the phrases people actually type reach the right service.
func TestSynonyms(t *testing.T) {
	d := load(t)
	byID := map[string]catalog.Service{}
	for _, s := range d.Services {
		byID[s.ID] = s
	}
	for _, tc := range []struct {
		service string
		phrases []string
	}{
		{"ramq-carte-renouvellement", []string{"carte soleil", "carte d’assurance maladie", "carte RAMQ", "health card", "medicare card"}},
		{"ramq-carte-remplacement", []string{"carte perdue", "carte volée", "lost card"}},
		{"ramq-inscription", []string{"nouvel arrivant", "immigrant", "newcomer"}},
		{"saaq-permis-renouvellement", []string{"permis de conduire", "permis", "driver's licence", "driver's license"}},
		{"saaq-examen-theorique", []string{"examen théorique", "written test", "knowledge test"}},
		{"saaq-examen-pratique", []string{"examen pratique", "examen de conduite", "road test", "driving test"}},
		{"saaq-immatriculation", []string{"plaque", "immatriculation", "licence plate"}},
		{"changement-adresse", []string{"je déménage", "déménagement", "nouvelle adresse", "moving", "new address"}},
		{"etat-civil-certificat-naissance", []string{"acte de naissance", "certificat de naissance", "birth certificate"}},
		{"revenu-declaration", []string{"impôts", "rapport d’impôt", "déclaration de revenus", "taxes", "tax return"}},
		{"allocation-famille", []string{"allocation famille", "allocations familiales", "child benefit"}},
		{"rqap-prestations", []string{"RQAP", "congé parental", "QPIP", "parental leave"}},
		{"entreprise-immatriculation", []string{"NEQ", "enregistrer une entreprise", "register a business"}},
		{"aide-sociale", []string{"aide sociale", "BS", "aide de dernier recours", "welfare", "social assistance"}},
		{"sante-prelevements", []string{"prise de sang", "blood test"}},
		{"sante-vaccination", []string{"vaccin", "vaccine", "flu shot"}},
		{"sante-urgences", []string{"urgence", "hôpital", "emergency", "ER"}},
	} {
		s := byID[tc.service]
		all := map[string]bool{}
		for _, w := range [][]string{s.Synonyms.FR, s.Synonyms.EN, s.Keywords.FR, s.Keywords.EN} {
			for _, p := range w {
				all[p] = true
			}
		}
		for _, p := range tc.phrases {
			if !all[p] {
				t.Errorf("%s: synonym %q missing", tc.service, p)
			}
		}
	}
}

func TestDecodeIsStrict(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		ok       bool
	}{
		{"valid", `[{"id":"x","name":{"fr":"X","en":"X"}}]`, true},
		{"unknown field", `[{"id":"x","nom":"X"}]`, false},
		{"trailing data", `[] []`, false},
		{"wrong type", `{"id":"x"}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var orgs []catalog.Organization
			if err := decodeBytes("t.json", []byte(tc.in), &orgs); (err == nil) != tc.ok {
				t.Errorf("decode(%s) = %v, want ok=%v", tc.in, err, tc.ok)
			}
		})
	}
}
