package web

// "Qui a consulté mon dossier" / "Who accessed my file": every access by an
// agent, newest first, with the agent's name, the organization, the purpose
// and its legal basis, the reference, the fields, the time, the entry's
// position in the audit log and its inclusion proof (a JSON download anyone
// can check offline, as the public verification page explains).

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/errs"
	"github.com/guichet-qc/guichet/internal/httpx"
	"github.com/guichet-qc/guichet/internal/i18n"
)

type accessRow struct {
	When, Agent, Organization, Purpose, Basis, Reference, Fields string
	BreakGlass                                                   bool
	Justification                                                string
	Position                                                     string // the entry's position in the log ("" while pending)
	TreeSize                                                     string
	ProofURL                                                     string
	Verified, Matches                                            bool
}

type accessesView struct {
	Nav          dossierNav
	Accesses     []accessRow
	VerifyURL    string
	Newer, Older string // links to the neighbouring pages ("" when none)
}

func (s *Site) dossierAccesses(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, _, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	ctx := r.Context()
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	page = max(page, 0)
	list, more, err := s.dossier.History(ctx, a.ID, page)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	purposes, err := s.purposeIndex(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v := accessesView{Nav: s.dossierNav(l), VerifyURL: s.pageURL("dossier_verify", l, "", nil)}
	if more {
		v.Older = s.pageURL("dossier_accesses", l, "", map[string][]string{"page": {strconv.Itoa(page + 1)}})
	}
	if page > 0 {
		v.Newer = s.pageURL("dossier_accesses", l, "", map[string][]string{"page": {strconv.Itoa(page - 1)}})
	}
	for _, x := range list {
		row := accessRow{When: dateTime(l, x.Time), Agent: x.AgentName, Organization: s.orgName(l, x.Organization),
			Purpose: x.Purpose, Reference: x.Reference, Fields: fieldLabels(l, x.Fields), BreakGlass: x.BreakGlass,
			Justification: x.Justification, Verified: x.Verified, Matches: x.Matches}
		if p, ok := purposes[x.Organization+"/"+x.Purpose]; ok {
			row.Purpose, row.Basis = p.Name(l), p.Basis(l)
		}
		if x.Seq >= 0 {
			row.Position = strconv.FormatInt(x.Seq, 10)
			row.TreeSize = strconv.FormatInt(x.Proof.TreeSize, 10)
			row.ProofURL = dossierProofURL(l, x.ID)
		}
		v.Accesses = append(v.Accesses, row)
	}
	s.render(w, r, http.StatusOK, l, "dossier_accesses", i18n.T(l, "dossier.accesses.title"), v)
}

func dossierProofURL(l i18n.Lang, id string) string {
	if l == i18n.EN {
		return "/en/account/file/accesses/" + id + "/proof"
	}
	return "/fr/compte/dossier/consultations/" + id + "/preuve"
}

// proofDocument is the downloaded proof: the inclusion proof (entry, hashes,
// signed checkpoint) and the key that verifies the checkpoint.
type proofDocument struct {
	audit.InclusionProof
	VerifierKey string `json:"verifier_key,omitempty"`
	Command     string `json:"command"`
}

// dossierProof downloads the inclusion proof of one of the person's accesses.
func (s *Site) dossierProof(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	a, _, ok := s.requireAccount(w, r, l, "sign_in")
	if !ok {
		return
	}
	x, err := s.dossier.Proof(r.Context(), a.ID, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if x.Seq < 0 {
		s.Error(w, r, errs.E(errs.NotFound, "dossier.no_access"))
		return
	}
	doc := proofDocument{InclusionProof: x.Proof, Command: "guichet audit proof --seq " + strconv.FormatInt(x.Seq, 10) + " --size " + strconv.FormatInt(x.Proof.TreeSize, 10)}
	if s.trans != nil {
		if t, err := s.trans.Transparency(r.Context()); err == nil {
			doc.VerifierKey = t.PublicKey
		}
	}
	downloadJSON(w, "guichet-preuve-"+strconv.FormatInt(x.Seq, 10)+".json", doc)
}

// downloadJSON answers v as an indented JSON file to save (private).
func downloadJSON(w http.ResponseWriter, name string, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	privateHeaders(w)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(append(b, '\n'))
}

// ---- how anyone verifies (public) ----

type verifyView struct {
	AuditKey      string
	ReceiptKey    string
	ReceiptKeyURL string
	Transparency  string
	Checkpoint    *CheckpointView
}

func (s *Site) dossierVerify(w http.ResponseWriter, r *http.Request, l i18n.Lang) {
	v := verifyView{ReceiptKey: string(s.dossier.ReceiptKey()), ReceiptKeyURL: receiptKeyURL(l), Transparency: s.pageURL("transparency", l, "", nil)}
	if s.trans != nil {
		t, err := s.trans.Transparency(r.Context())
		if err != nil {
			s.Error(w, r, err)
			return
		}
		v.AuditKey, v.Checkpoint = t.PublicKey, t.Checkpoint
	}
	s.render(w, r, http.StatusOK, l, "dossier_verify", i18n.T(l, "dossier.verify.title"), v)
}

func receiptKeyURL(l i18n.Lang) string {
	if l == i18n.EN {
		return "/en/transparency/receipt-key.json"
	}
	return "/fr/transparence/cle-recus.json"
}

// registerDossier adds the file's downloads (not pages: JSON and JWS files).
func (s *Site) registerDossier(rt *httpx.Router) {
	if !withDossier(s) {
		return
	}
	for _, l := range i18n.All {
		l := l
		get := func(path string, h func(*Site, http.ResponseWriter, *http.Request, i18n.Lang)) {
			rt.HandleFunc(httpx.Route{Method: http.MethodGet, Path: path, Kind: httpx.Action},
				func(w http.ResponseWriter, r *http.Request) { h(s, w, r, l) })
		}
		get(dossierProofURL(l, "{id}"), (*Site).dossierProof)
		get(receiptURL(l, "{id}", "{kind}"), (*Site).dossierReceipt)
		get(receiptKeyURL(l), func(s *Site, w http.ResponseWriter, r *http.Request, _ i18n.Lang) {
			w.Header().Set("Content-Type", "application/jwk+json")
			w.Header().Set("Cache-Control", "public, max-age=3600")
			w.Write(s.dossier.ReceiptKey())
		})
	}
}
