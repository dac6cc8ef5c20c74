package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
)

// logoutTokenTTL is the life of a back-channel logout token.
const logoutTokenTTL = 2 * time.Minute

// backchannelEvent is the event of a logout token (OpenID Connect
// Back-Channel Logout 1.0, 2.4).
const backchannelEvent = "http://schemas.openid.net/event/backchannel-logout"

// serveEndSession is RP-initiated logout (OpenID Connect RP-Initiated
// Logout 1.0). An id_token_hint this provider issued is required: without
// it any site could sign a person out (there is no confirmation page). The
// identity session ends (Options.EndIdentitySession), the tokens issued
// under it are revoked and back-channel logouts are sent; the browser goes
// to the client's post_logout_redirect_uri, when registered, with state, or
// to the signed-out page.
func (p *Provider) serveEndSession(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if err := r.ParseForm(); err != nil {
		http.Error(w, "malformed request", http.StatusBadRequest)
		return
	}
	hint, clientID := r.Form.Get("id_token_hint"), r.Form.Get("client_id")
	claims, err := p.verifyIDTokenHint(r.Context(), hint)
	if err != nil {
		http.Error(w, "id_token_hint missing or not issued by this provider", http.StatusBadRequest)
		return
	}
	if clientID == "" {
		clientID = claims.clientID()
	}
	if !slices.Contains(claims.Audience, clientID) {
		http.Error(w, "client_id does not match id_token_hint", http.StatusBadRequest)
		return
	}
	target := p.o.SignedOutURL
	if target == "" {
		target = p.issuer() + "/"
	}
	if post := r.Form.Get("post_logout_redirect_uri"); post != "" {
		cl, err := p.clients.Get(r.Context(), clientID)
		if err != nil || !slices.Contains(cl.PostLogoutRedirectURIs, post) {
			http.Error(w, "post_logout_redirect_uri is not registered for this client", http.StatusBadRequest)
			return
		}
		u, _ := url.Parse(post)
		if st := r.Form.Get("state"); st != "" {
			q := u.Query()
			q.Set("state", st)
			u.RawQuery = q.Encode()
		}
		target = u.String()
	}
	if p.o.EndIdentitySession != nil {
		same := func(sessionID string) bool { return claims.SID != "" && claims.SID == p.sidFor(sessionID) }
		if sessionID, accountID := p.o.EndIdentitySession(w, r, same); sessionID != "" {
			if err := p.EndSession(r.Context(), sessionID, accountID); err != nil {
				p.o.Logger.Error("ending the session's tokens failed", "err", err)
			}
		}
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

type hintClaims struct {
	Issuer   string   `json:"iss"`
	Audience audience `json:"aud"`
	AZP      string   `json:"azp"`
	SID      string   `json:"sid"`
}

func (c hintClaims) clientID() string {
	if c.AZP != "" {
		return c.AZP
	}
	if len(c.Audience) == 1 {
		return c.Audience[0]
	}
	return ""
}

// audience reads aud as a string or a list.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	err := json.Unmarshal(b, &many)
	*a = many
	return err
}

// verifyIDTokenHint checks that a token was signed by one of our published
// keys for our issuer; an expired one is accepted, as the specification
// allows.
func (p *Provider) verifyIDTokenHint(ctx context.Context, raw string) (hintClaims, error) {
	var c hintClaims
	if raw == "" {
		return c, errors.New("no hint")
	}
	jws, err := jose.ParseSigned(raw, []jose.SignatureAlgorithm{jose.ES256})
	if err != nil || len(jws.Signatures) != 1 {
		return c, errors.New("malformed hint")
	}
	snap, err := p.keys.current(ctx)
	if err != nil {
		return c, err
	}
	kid := jws.Signatures[0].Header.KeyID
	for _, k := range snap.public {
		if k.id != kid {
			continue
		}
		payload, err := jws.Verify(&k.private.PublicKey)
		if err != nil {
			return c, err
		}
		if err := json.Unmarshal(payload, &c); err != nil || c.Issuer != p.issuer() {
			return c, errors.New("hint from another issuer")
		}
		return c, nil
	}
	return c, errors.New("unknown key")
}

// EndSession is called by the identity layer when a session ends (sign-out,
// expiry, revoked by the citizen): it revokes the tokens issued under it
// and sends back-channel logout tokens to the clients the person signed in
// to during it, each with a short timeout. A client that cannot be reached
// is logged, not retried.
func (p *Provider) EndSession(ctx context.Context, sessionID, accountID string) error {
	sid := p.sidFor(sessionID)
	if sid == "" {
		return nil
	}
	var clientIDs []string
	now := p.o.Now()
	err := p.db.Write(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT client_id FROM oidc_session_clients WHERE session_id = ? ORDER BY client_id`, sid)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			clientIDs = append(clientIDs, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM oidc_session_clients WHERE session_id = ?`, sid); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE oidc_tokens SET revoked_at = ? WHERE session_id = ? AND revoked_at = 0`, now.Unix(), sid); err != nil {
			return err
		}
		if len(clientIDs) == 0 {
			return nil
		}
		return p.auditTx(ctx, tx, audit.Entry{Actor: "account:" + accountID, Action: "oidc.session.end",
			Object: "session:" + sid, Purpose: strings.Join(clientIDs, " ")})
	})
	if err != nil {
		return err
	}
	var wg sync.WaitGroup
	for _, id := range clientIDs {
		cl, err := p.clients.Get(ctx, id)
		if err != nil || cl.BackchannelLogoutURI == "" {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := p.sendBackchannelLogout(ctx, cl, accountID, sid); err != nil {
				p.o.Logger.Warn("back-channel logout not delivered", "client", cl.ID, "err", err)
			}
		}()
	}
	wg.Wait()
	return nil
}

// logoutToken builds the signed logout token of a session for a client.
func (p *Provider) logoutToken(ctx context.Context, cl Client, accountID, sid string) (string, error) {
	snap, err := p.keys.current(ctx)
	if err != nil {
		return "", err
	}
	now := p.o.Now()
	claims := map[string]any{
		"iss": p.issuer(), "aud": cl.ID, "iat": now.Unix(), "exp": now.Add(logoutTokenTTL).Unix(), "jti": randomID(),
		"events": map[string]any{backchannelEvent: map[string]any{}}, "sid": sid,
	}
	if accountID != "" {
		claims["sub"] = p.subjectFor(cl, accountID)
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: snap.signing.private, KeyID: snap.signing.id}},
		(&jose.SignerOptions{}).WithType("logout+jwt"))
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

func (p *Provider) sendBackchannelLogout(ctx context.Context, cl Client, accountID, sid string) error {
	tok, err := p.logoutToken(ctx, cl, accountID, sid)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cl.BackchannelLogoutURI,
		strings.NewReader(url.Values{"logout_token": {tok}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.o.HTTPClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		return errors.New("status " + resp.Status)
	}
	return nil
}
