package oidc

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// codeTTL is how long an authorization code may be exchanged.
const codeTTL = time.Minute

// params are the validated parameters of an authorization request.
type params struct {
	RedirectURI   string   `json:"redirect_uri"`
	State         string   `json:"state,omitempty"`
	Nonce         string   `json:"nonce,omitempty"`
	Scopes        []string `json:"scopes"`
	ResponseMode  string   `json:"response_mode,omitempty"`
	CodeChallenge string   `json:"code_challenge"`
	Prompt        []string `json:"prompt,omitempty"`
	MaxAge        *uint    `json:"max_age,omitempty"`
	UILocales     []string `json:"ui_locales,omitempty"`
	LoginHint     string   `json:"login_hint,omitempty"`
	ACRValues     []string `json:"acr_values,omitempty"`
	HintSubject   string   `json:"hint_subject,omitempty"` // sub of a valid id_token_hint
}

// authRequest is a stored authorization request; it implements op.AuthRequest.
type authRequest struct {
	id, clientID string
	p            params
	created      time.Time
	expires      time.Time
	accountID    string
	sid          string
	subject      string
	authTime     time.Time
	acr          string
	amr          []string
	done         bool
	codeUsed     bool
}

func (a *authRequest) GetID() string                      { return a.id }
func (a *authRequest) GetACR() string                     { return a.acr }
func (a *authRequest) GetAMR() []string                   { return a.amr }
func (a *authRequest) GetAudience() []string              { return []string{a.clientID} }
func (a *authRequest) GetAuthTime() time.Time             { return a.authTime }
func (a *authRequest) GetClientID() string                { return a.clientID }
func (a *authRequest) GetNonce() string                   { return a.p.Nonce }
func (a *authRequest) GetRedirectURI() string             { return a.p.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return oidc.ResponseTypeCode }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return oidc.ResponseMode(a.p.ResponseMode) }
func (a *authRequest) GetScopes() []string                { return a.p.Scopes }
func (a *authRequest) GetState() string                   { return a.p.State }
func (a *authRequest) GetSubject() string                 { return a.subject }
func (a *authRequest) Done() bool                         { return a.done }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	return &oidc.CodeChallenge{Challenge: a.p.CodeChallenge, Method: oidc.CodeChallengeMethodS256}
}

func (a *authRequest) has(prompt string) bool { return slices.Contains(a.p.Prompt, prompt) }

// createAuthRequest stores a request that op validated (client, redirect
// URI, response type, scopes), after the rules op leaves to us: PKCE with
// S256 for every client, and only the scopes the client may ask for.
func (p *Provider) createAuthRequest(ctx context.Context, r *oidc.AuthRequest, hintSubject string) (*authRequest, error) {
	if r.CodeChallenge == "" {
		return nil, oidc.ErrInvalidRequest().WithDescription("PKCE is required: send code_challenge with code_challenge_method S256")
	}
	if r.CodeChallengeMethod != oidc.CodeChallengeMethodS256 {
		return nil, oidc.ErrInvalidRequest().WithDescription("code_challenge_method must be S256")
	}
	if r.ResponseType != oidc.ResponseTypeCode {
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_type code is supported")
	}
	if r.ResponseMode != "" && r.ResponseMode != oidc.ResponseModeQuery {
		return nil, oidc.ErrInvalidRequest().WithDescription("only response_mode query is supported")
	}
	cl, err := p.clients.Get(ctx, r.ClientID)
	if err != nil {
		return nil, oidc.ErrInvalidClient().WithParent(err)
	}
	scopes := slices.DeleteFunc(slices.Clone(r.Scopes), func(s string) bool { return !slices.Contains(cl.Scopes, s) })
	if !slices.Contains(scopes, oidc.ScopeOpenID) {
		return nil, oidc.ErrInvalidScope().WithDescription("the openid scope is required")
	}
	now := p.o.Now()
	a := &authRequest{id: randomID(), clientID: r.ClientID, created: now, expires: now.Add(p.o.AuthRequestTTL),
		p: params{RedirectURI: r.RedirectURI, State: r.State, Nonce: r.Nonce, Scopes: scopes,
			ResponseMode: string(r.ResponseMode), CodeChallenge: r.CodeChallenge, Prompt: r.Prompt,
			UILocales: localeStrings(r.UILocales), LoginHint: r.LoginHint, ACRValues: r.ACRValues,
			HintSubject: hintSubject}}
	if r.MaxAge != nil {
		m := *r.MaxAge
		a.p.MaxAge = &m
	}
	b, err := json.Marshal(a.p)
	if err != nil {
		return nil, err
	}
	err = p.db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO oidc_auth_requests (id, client_id, request, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?)`, a.id, a.clientID, string(b), now.UnixMilli(), a.expires.Unix())
		return err
	})
	return a, err
}

func localeStrings(tags oidc.Locales) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		out = append(out, t.String())
	}
	return out
}

const authRequestColumns = `id, client_id, request, created_at, expires_at, account_id, session_id, subject,
	auth_time, acr, amr, done, code_used_at`

func scanAuthRequest(row scanner) (*authRequest, error) {
	a := &authRequest{}
	var req, amr string
	var created, expires, authTime, done, used int64
	if err := row.Scan(&a.id, &a.clientID, &req, &created, &expires, &a.accountID, &a.sid, &a.subject,
		&authTime, &a.acr, &amr, &done, &used); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(req), &a.p); err != nil {
		return nil, errs.Internalf("auth request %s: %v", a.id, err)
	}
	if amr != "" {
		if err := json.Unmarshal([]byte(amr), &a.amr); err != nil {
			return nil, errs.Internalf("auth request %s: %v", a.id, err)
		}
	}
	// created_at is in milliseconds: prompt=login and max_age=0 compare it
	// with a sign-in that may come within the same second.
	a.created, a.expires = time.UnixMilli(created), time.Unix(expires, 0)
	if authTime != 0 {
		a.authTime = time.Unix(authTime, 0)
	}
	a.done, a.codeUsed = done == 1, used != 0
	return a, nil
}

// authRequestByID returns a request that has not expired.
func (p *Provider) authRequestByID(ctx context.Context, id string) (*authRequest, error) {
	var a *authRequest
	err := p.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		a, err = scanAuthRequest(tx.QueryRow(ctx, `SELECT `+authRequestColumns+` FROM oidc_auth_requests WHERE id = ?`, id))
		return err
	})
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errs.Wrap(err, errs.NotFound, "oidc.request.not_found")
		}
		return nil, err
	}
	if !p.o.Now().Before(a.expires) || a.codeUsed {
		return nil, errs.E(errs.NotFound, "oidc.request.not_found")
	}
	return a, nil
}

// authRequestByCode returns the request a code was issued for. A code
// presented again revokes what the first exchange gave (RFC 6749, 4.1.2).
func (p *Provider) authRequestByCode(ctx context.Context, code string) (*authRequest, error) {
	var a *authRequest
	err := p.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		a, err = scanAuthRequest(tx.QueryRow(ctx, `SELECT `+authRequestColumns+` FROM oidc_auth_requests WHERE code_hash = ?`, hashToken(code)))
		return err
	})
	if err != nil {
		return nil, err
	}
	if a.codeUsed {
		if err := p.revokeFamily(ctx, a.id, "code_reuse"); err != nil {
			return nil, err
		}
		return nil, oidc.ErrInvalidGrant().WithDescription("code already used")
	}
	if !p.o.Now().Before(a.expires) {
		return nil, oidc.ErrInvalidGrant().WithDescription("code expired")
	}
	return a, nil
}

// saveAuthCode records the code issued for a completed request, once.
func (p *Provider) saveAuthCode(ctx context.Context, id, code string) error {
	now := p.o.Now()
	return p.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE oidc_auth_requests SET code_hash = ?, expires_at = ?
			WHERE id = ? AND done = 1 AND code_hash IS NULL AND expires_at > ?`,
			hashToken(code), now.Add(codeTTL).Unix(), id, now.Unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.Conflict, "oidc.request.code_issued")
		}
		return nil
	})
}

// consumeCode marks the request's code used, in the transaction that
// issues its tokens; a second exchange finds it used.
func consumeCode(ctx context.Context, tx *database.Tx, id string, now time.Time) error {
	res, err := tx.Exec(ctx, `UPDATE oidc_auth_requests SET code_used_at = ? WHERE id = ? AND code_used_at = 0`, now.Unix(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return oidc.ErrInvalidGrant().WithDescription("code already used")
	}
	return nil
}
