package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// grant is what a chain of tokens was given for: a person's authorization
// (family = the authorization request) or a client's own credentials.
type grant struct {
	family, clientID, accountID, sid, subject string
	scopes                                    []string
	authTime                                  time.Time
	acr                                       string
	amr                                       []string
}

// refreshRequest is a presented, valid refresh token; it implements
// op.RefreshTokenRequest.
type refreshRequest struct {
	grant
	tokenID string
}

func (r *refreshRequest) GetAMR() []string            { return r.amr }
func (r *refreshRequest) GetAudience() []string       { return []string{r.clientID} }
func (r *refreshRequest) GetAuthTime() time.Time      { return r.authTime }
func (r *refreshRequest) GetClientID() string         { return r.clientID }
func (r *refreshRequest) GetScopes() []string         { return r.scopes }
func (r *refreshRequest) GetSubject() string          { return r.subject }
func (r *refreshRequest) SetCurrentScopes(s []string) { r.scopes = s }

// clientRequest is a client credentials grant; it implements op.TokenRequest.
type clientRequest struct {
	clientID string
	scopes   []string
}

func (r *clientRequest) GetSubject() string    { return r.clientID }
func (r *clientRequest) GetAudience() []string { return []string{r.clientID} }
func (r *clientRequest) GetScopes() []string   { return r.scopes }

func grantOf(a *authRequest) grant {
	return grant{family: a.id, clientID: a.clientID, accountID: a.accountID, sid: a.sid, subject: a.subject,
		scopes: a.p.Scopes, authTime: a.authTime, acr: a.acr, amr: a.amr}
}

// errReuse reports a refresh token presented after its rotation.
var errReuse = errors.New("refresh token reused")

// issue creates the stored side of the tokens of a request: the access
// token's row (its id becomes the JWT's jti) and, when asked, a new
// refresh token, with the audit entry, in one group-committed transaction.
func (p *Provider) issue(ctx context.Context, req op.TokenRequest, withRefresh bool) (accessID, refresh string, exp time.Time, err error) {
	now := p.o.Now()
	accessID = randomID()
	exp = now.Add(p.o.AccessTokenTTL)
	var g grant
	var grantType string
	rotate := ""
	switch r := req.(type) {
	case *authRequest:
		g, grantType = grantOf(r), GrantCode
	case *refreshRequest:
		g, grantType, rotate = r.grant, GrantRefresh, r.tokenID
	case *clientRequest:
		g, grantType = grant{family: "cc:" + r.clientID, clientID: r.clientID, subject: r.clientID, scopes: r.scopes}, GrantClientCredentials
	default:
		return "", "", time.Time{}, oidc.ErrUnsupportedGrantType()
	}
	if withRefresh {
		refresh = randomToken()
	}
	err = p.batch.Do(ctx, func(tx *database.Tx) error {
		if err := recordAssertionTx(ctx, tx); err != nil {
			return err
		}
		switch {
		case grantType == GrantCode:
			if err := consumeCode(ctx, tx, g.family, now); err != nil {
				return err
			}
		case rotate != "":
			res, err := tx.Exec(ctx, `UPDATE oidc_tokens SET rotated_at = ? WHERE id = ? AND rotated_at = 0 AND revoked_at = 0`, now.Unix(), rotate)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return errReuse
			}
		}
		// Client credentials tokens are self-contained JWTs, not stored:
		// no person, no session to end them.
		if grantType != GrantClientCredentials {
			if err := insertToken(ctx, tx, accessID, "access", "", g, now, exp); err != nil {
				return err
			}
		}
		if withRefresh {
			if err := insertToken(ctx, tx, randomID(), "refresh", hashToken(refresh), g, now, p.refreshExpiry(g, now)); err != nil {
				return err
			}
		}
		return p.auditTx(ctx, tx, grantAudit(g, grantType))
	})
	if errors.Is(err, errReplay) {
		return "", "", time.Time{}, oidc.ErrInvalidClient().WithDescription("client authentication failed")
	}
	if err == nil {
		if a := assertionFrom(ctx); a != nil {
			a.recorded.Store(true)
		}
	}
	if errors.Is(err, errReuse) {
		if rerr := p.revokeFamily(ctx, g.family, "refresh_reuse"); rerr != nil {
			return "", "", time.Time{}, rerr
		}
		return "", "", time.Time{}, oidc.ErrInvalidGrant().WithDescription("refresh token already used")
	}
	return accessID, refresh, exp, err
}

// refreshExpiry is when a new refresh token of g expires: a sliding
// window, capped at an absolute lifetime from the person's sign-in.
func (p *Provider) refreshExpiry(g grant, now time.Time) time.Time {
	exp := now.Add(p.o.RefreshTokenTTL)
	if !g.authTime.IsZero() {
		if limit := g.authTime.Add(p.o.RefreshAbsoluteTTL); limit.Before(exp) {
			exp = limit
		}
	}
	return exp
}

func insertToken(ctx context.Context, tx *database.Tx, id, kind, hash string, g grant, now, exp time.Time) error {
	amr, _ := json.Marshal(g.amr)
	var h any
	if hash != "" {
		h = hash
	}
	_, err := tx.Exec(ctx, `INSERT INTO oidc_tokens (id, kind, token_hash, family, client_id, account_id, session_id,
		subject, scopes, audience, auth_time, acr, amr, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		id, kind, h, g.family, g.clientID, g.accountID, g.sid, g.subject, strings.Join(g.scopes, " "),
		`["`+g.clientID+`"]`, unixOrZero(g.authTime), g.acr, string(amr), now.Unix(), exp.Unix())
	return err
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

// tokenRow is a stored token.
type tokenRow struct {
	grant
	id, kind         string
	expires          time.Time
	rotated, revoked bool
}

const tokenColumns = `id, kind, family, client_id, account_id, session_id, subject, scopes, auth_time, acr, amr,
	expires_at, rotated_at, revoked_at`

func scanToken(row scanner) (*tokenRow, error) {
	t := &tokenRow{}
	var scopes, amr string
	var authTime, expires, rotated, revoked int64
	if err := row.Scan(&t.id, &t.kind, &t.family, &t.clientID, &t.accountID, &t.sid, &t.subject, &scopes,
		&authTime, &t.acr, &amr, &expires, &rotated, &revoked); err != nil {
		return nil, err
	}
	t.scopes = strings.Fields(scopes)
	if amr != "" && amr != "null" {
		if err := json.Unmarshal([]byte(amr), &t.amr); err != nil {
			return nil, errs.Internalf("token %s: %v", t.id, err)
		}
	}
	if authTime != 0 {
		t.authTime = time.Unix(authTime, 0)
	}
	t.expires, t.rotated, t.revoked = time.Unix(expires, 0), rotated != 0, revoked != 0
	return t, nil
}

func (p *Provider) tokenWhere(ctx context.Context, where string, arg any) (*tokenRow, error) {
	var t *tokenRow
	err := p.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		t, err = scanToken(tx.QueryRow(ctx, `SELECT `+tokenColumns+` FROM oidc_tokens WHERE `+where, arg))
		return err
	})
	return t, err
}

// refreshRequestFor checks a presented refresh token. One presented again
// after its rotation revokes its whole family: either the client or a
// thief holds a stolen copy, and the provider cannot tell which.
func (p *Provider) refreshRequestFor(ctx context.Context, token string) (*refreshRequest, error) {
	t, err := p.tokenWhere(ctx, `token_hash = ? AND kind = 'refresh'`, hashToken(token))
	if errs.Is(err, errs.NotFound) {
		return nil, op.ErrInvalidRefreshToken
	}
	if err != nil {
		return nil, err
	}
	if t.rotated && !t.revoked {
		if err := p.revokeFamily(ctx, t.family, "refresh_reuse"); err != nil {
			return nil, err
		}
	}
	if t.rotated || t.revoked || !p.o.Now().Before(t.expires) {
		return nil, oidc.ErrInvalidGrant().WithDescription("refresh token is no longer valid")
	}
	return &refreshRequest{grant: t.grant, tokenID: t.id}, nil
}

// activeAccessToken returns the row of an access token that still holds.
func (p *Provider) activeAccessToken(ctx context.Context, id string) (*tokenRow, error) {
	t, err := p.tokenWhere(ctx, `id = ? AND kind = 'access'`, id)
	if err != nil {
		return nil, err
	}
	if t.revoked || !p.o.Now().Before(t.expires) {
		return nil, errs.E(errs.Unauthorized, "oidc.token.inactive")
	}
	return t, nil
}

// revokeFamily revokes every token of an authorization.
func (p *Provider) revokeFamily(ctx context.Context, family, reason string) error {
	return p.revokeWhere(ctx, `family = ?`, []any{family}, audit.Entry{Actor: "oidc", Action: "oidc.tokens.revoke",
		Object: "grant:" + family, Purpose: reason})
}

// revokeWhere revokes the tokens matched, with an audit entry when some were.
func (p *Provider) revokeWhere(ctx context.Context, where string, args []any, e audit.Entry) error {
	now := p.o.Now().Unix()
	return p.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE oidc_tokens SET revoked_at = ? WHERE revoked_at = 0 AND `+where, append([]any{now}, args...)...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		return p.auditTx(ctx, tx, e)
	})
}

func grantAudit(g grant, grantType string) audit.Entry {
	actor := "client:" + g.clientID
	if g.accountID != "" {
		actor = "account:" + g.accountID
	}
	return audit.Entry{Actor: actor, Action: "oidc.token." + grantType, Object: "client:" + g.clientID,
		Purpose: strings.Join(g.scopes, " ")}
}

func (p *Provider) auditTx(ctx context.Context, tx *database.Tx, e audit.Entry) error {
	if p.o.Audit == nil {
		return nil
	}
	e.Time = p.o.Now()
	_, err := p.o.Audit.AppendTx(ctx, tx, e)
	return err
}
