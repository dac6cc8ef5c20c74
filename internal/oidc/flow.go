package oidc

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/guichet-qc/guichet/internal/assurance"
	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Request returns a pending authorization request for the sign-in and
// consent pages; errs.NotFound when it is unknown, finished or expired.
func (p *Provider) Request(ctx context.Context, id string) (Request, error) {
	a, err := p.authRequestByID(ctx, id)
	if err != nil {
		return Request{}, err
	}
	if a.done {
		return Request{}, errs.E(errs.NotFound, "oidc.request.not_found")
	}
	cl, err := p.clients.Get(ctx, a.clientID)
	if err != nil {
		return Request{}, err
	}
	return p.requestOf(a, cl), nil
}

func (p *Provider) requestOf(a *authRequest, cl Client) Request {
	req := Request{ID: a.id, ClientID: cl.ID, ClientName: cl.Name, Scopes: slices.Clone(a.p.Scopes),
		Claims: claimsOf(a.p.Scopes), ACR: assurance.Lowest(a.p.ACRValues), UILocales: a.p.UILocales,
		PromptLogin: a.has(oidc.PromptLogin), PromptConsent: a.has(oidc.PromptConsent), PromptNone: a.has(oidc.PromptNone),
		LoginHint: a.p.LoginHint, Created: a.created}
	if a.p.MaxAge != nil {
		d := time.Duration(*a.p.MaxAge) * time.Second
		req.MaxAge = &d
	}
	return req
}

// NeedsConsent tells whether the person must be asked: prompt=consent, or
// scopes not yet granted to this client.
func (p *Provider) NeedsConsent(ctx context.Context, accountID string, req Request) (bool, error) {
	if req.PromptConsent {
		return true, nil
	}
	granted, err := p.granted(ctx, accountID, req.ClientID)
	if err != nil {
		return false, err
	}
	for _, s := range req.Scopes {
		if !slices.Contains(granted, s) {
			return true, nil
		}
	}
	return false, nil
}

func (p *Provider) granted(ctx context.Context, accountID, clientID string) ([]string, error) {
	var scopes string
	err := p.db.Read(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `SELECT scopes FROM oidc_consents WHERE account_id = ? AND client_id = ?`, accountID, clientID).Scan(&scopes)
	})
	if errs.Is(err, errs.NotFound) {
		return nil, nil
	}
	return strings.Fields(scopes), err
}

// Complete finishes a request for a signed-in person. With consent, the
// request's scopes are recorded as granted; without, they must have been
// granted before. It refuses (errs.Invalid) an authentication that does not
// meet the request: a level below the acr asked for, an authentication older
// than max_age, or one from before the request with prompt=login; the web
// layer then signs the person in again or steps up. It returns the URL to
// send the browser to: the provider's callback, which issues the code.
func (p *Provider) Complete(ctx context.Context, requestID string, a Authentication, consent bool) (string, error) {
	ar, err := p.authRequestByID(ctx, requestID)
	if err != nil {
		return "", err
	}
	cl, err := p.clients.Get(ctx, ar.clientID)
	if err != nil {
		return "", err
	}
	req := p.requestOf(ar, cl)
	now := p.o.Now()
	switch {
	case a.AccountID == "" || a.SessionID == "" || a.AuthTime.IsZero() || a.AuthTime.After(now.Add(time.Minute)):
		return "", errs.E(errs.Invalid, "oidc.complete.authentication")
	case assurance.Rank(a.ACR) < 0 || !assurance.ValidAMR(a.AMR):
		return "", errs.E(errs.Invalid, "oidc.complete.authentication")
	case !assurance.AtLeast(a.ACR, req.ACR):
		return "", errs.E(errs.Invalid, "oidc.complete.level")
	// Freshness is judged when the service asked (the person may then
	// take their time): max_age=0, and prompt=login, want a sign-in after
	// the request.
	case req.MaxAge != nil && a.AuthTime.Before(ar.created.Add(-*req.MaxAge)):
		return "", errs.E(errs.Invalid, "oidc.complete.max_age")
	case req.PromptLogin && a.AuthTime.Before(ar.created):
		return "", errs.E(errs.Invalid, "oidc.complete.prompt_login")
	}
	if !consent {
		need, err := p.NeedsConsent(ctx, a.AccountID, req)
		if err != nil {
			return "", err
		}
		if need {
			return "", errs.E(errs.Forbidden, "oidc.complete.consent_required")
		}
	}
	amr, _ := json.Marshal(a.AMR)
	sid := p.sidFor(a.SessionID)
	err = p.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE oidc_auth_requests SET account_id = ?, session_id = ?, subject = ?, auth_time = ?,
			acr = ?, amr = ?, done = 1 WHERE id = ? AND done = 0 AND expires_at > ?`,
			a.AccountID, sid, p.subjectFor(cl, a.AccountID), a.AuthTime.Unix(), a.ACR, string(amr), ar.id, now.Unix())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return errs.E(errs.NotFound, "oidc.request.not_found")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO oidc_session_clients (session_id, client_id, account_id, created_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (session_id, client_id) DO NOTHING`, sid, cl.ID, a.AccountID, now.Unix()); err != nil {
			return err
		}
		if consent {
			return p.grant(ctx, tx, a.AccountID, cl.ID, req.Scopes, now)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	return p.issuer() + callbackPath + "?id=" + url.QueryEscape(ar.id), nil
}

// grant records scopes as granted (added to those granted before).
func (p *Provider) grant(ctx context.Context, tx *database.Tx, accountID, clientID string, scopes []string, now time.Time) error {
	var old string
	err := tx.QueryRow(ctx, `SELECT scopes FROM oidc_consents WHERE account_id = ? AND client_id = ?`, accountID, clientID).Scan(&old)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return err
	}
	all := append(strings.Fields(old), scopes...)
	slices.Sort(all)
	all = slices.Compact(all)
	joined := strings.Join(all, " ")
	if joined == old {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO oidc_consents (account_id, client_id, scopes, granted_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (account_id, client_id) DO UPDATE SET scopes = excluded.scopes, granted_at = excluded.granted_at`,
		accountID, clientID, joined, now.Unix()); err != nil {
		return err
	}
	return p.auditTx(ctx, tx, audit.Entry{Actor: "account:" + accountID, Action: "oidc.consent.grant",
		Object: "client:" + clientID, Purpose: joined})
}

// Deny ends a request with access_denied back to the client.
func (p *Provider) Deny(ctx context.Context, requestID string) (string, error) {
	return p.Refuse(ctx, requestID, "access_denied")
}

// Refuse ends a request with an error back to the client: access_denied,
// or, for prompt=none, login_required, consent_required,
// interaction_required or account_selection_required. It returns the
// client's redirect URL.
func (p *Provider) Refuse(ctx context.Context, requestID, code string) (string, error) {
	switch code {
	case "access_denied", "login_required", "consent_required", "interaction_required", "account_selection_required":
	default:
		return "", errs.E(errs.Invalid, "oidc.refuse.code")
	}
	a, err := p.authRequestByID(ctx, requestID)
	if err != nil {
		return "", err
	}
	err = p.db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM oidc_auth_requests WHERE id = ? AND done = 0`, a.id)
		return err
	})
	if err != nil {
		return "", err
	}
	u, err := url.Parse(a.p.RedirectURI)
	if err != nil {
		return "", errs.Internalf("stored redirect URI: %v", err)
	}
	q := u.Query()
	q.Set("error", code)
	if a.p.State != "" {
		q.Set("state", a.p.State)
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// Consents lists what a person granted, most recent first.
func (p *Provider) Consents(ctx context.Context, accountID string) ([]Consent, error) {
	var out []Consent
	err := p.db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT c.client_id, COALESCE(k.name, ''), c.scopes, c.granted_at FROM oidc_consents c
			LEFT JOIN oidc_clients k ON k.id = c.client_id WHERE c.account_id = ? ORDER BY c.granted_at DESC, c.client_id`, accountID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c Consent
			var scopes string
			var at int64
			if err := rows.Scan(&c.ClientID, &c.ClientName, &scopes, &at); err != nil {
				return err
			}
			c.Scopes, c.GrantedAt = strings.Fields(scopes), time.Unix(at, 0)
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// RevokeConsent withdraws what a person granted a client, and the tokens
// the client holds for the person; errs.NotFound when nothing was granted.
func (p *Provider) RevokeConsent(ctx context.Context, accountID, clientID string) error {
	now := p.o.Now().Unix()
	return p.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM oidc_consents WHERE account_id = ? AND client_id = ?`, accountID, clientID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "oidc.consent.not_found")
		}
		if _, err := tx.Exec(ctx, `UPDATE oidc_tokens SET revoked_at = ? WHERE account_id = ? AND client_id = ? AND revoked_at = 0`,
			now, accountID, clientID); err != nil {
			return err
		}
		return p.auditTx(ctx, tx, audit.Entry{Actor: "account:" + accountID, Action: "oidc.consent.revoke", Object: "client:" + clientID})
	})
}
