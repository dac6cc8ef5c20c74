package oidc

import (
	"context"
	"errors"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/guichet-qc/guichet/internal/audit"
	"github.com/guichet-qc/guichet/internal/errs"
)

// storage is the op.Storage of the provider (with op.ClientCredentialsStorage
// and op.CanSetUserinfoFromRequest). It is unexported so that the
// Provider's own API stays the platform's, not the library's.
type storage struct{ p *Provider }

var (
	_ op.Storage                   = storage{}
	_ op.ClientCredentialsStorage  = storage{}
	_ op.CanSetUserinfoFromRequest = storage{}
)

func (s storage) CreateAuthRequest(ctx context.Context, r *oidc.AuthRequest, userID string) (op.AuthRequest, error) {
	return s.p.createAuthRequest(ctx, r, userID)
}

func (s storage) AuthRequestByID(ctx context.Context, id string) (op.AuthRequest, error) {
	return s.p.authRequestByID(ctx, id)
}

func (s storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	return s.p.authRequestByCode(ctx, code)
}

func (s storage) SaveAuthCode(ctx context.Context, id, code string) error {
	return s.p.saveAuthCode(ctx, id, code)
}

// DeleteAuthRequest keeps the request: its used code must stay known until
// it expires, so that a second exchange is detected (and purged later).
func (s storage) DeleteAuthRequest(context.Context, string) error { return nil }

func (s storage) CreateAccessToken(ctx context.Context, req op.TokenRequest) (string, time.Time, error) {
	id, _, exp, err := s.p.issue(ctx, req, false)
	return id, exp, err
}

func (s storage) CreateAccessAndRefreshTokens(ctx context.Context, req op.TokenRequest, _ string) (string, string, time.Time, error) {
	return s.p.issue(ctx, req, true)
}

func (s storage) TokenRequestByRefreshToken(ctx context.Context, token string) (op.RefreshTokenRequest, error) {
	return s.p.refreshRequestFor(ctx, token)
}

// TerminateSession is not used: the end_session endpoint is the provider's own.
func (s storage) TerminateSession(context.Context, string, string) error { return nil }

// RevokeToken revokes a token (RFC 7009): op hands over a token id (from
// GetRefreshTokenInfo for a refresh token, or from an access token it
// verified) with its subject, or else the raw token. Revoking a refresh
// token revokes its whole grant; an unknown token is not an error.
func (s storage) RevokeToken(ctx context.Context, tokenOrID, userID, clientID string) *oidc.Error {
	var t *tokenRow
	var err error
	if userID != "" {
		t, err = s.p.tokenWhere(ctx, `id = ?`, tokenOrID)
	} else {
		t, err = s.p.tokenWhere(ctx, `token_hash = ? AND kind = 'refresh'`, hashToken(tokenOrID))
	}
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err == nil {
		if t.clientID != clientID {
			return oidc.ErrInvalidClient().WithDescription("token was not issued to this client")
		}
		if t.kind == "refresh" {
			err = s.p.revokeFamily(ctx, t.family, "client_revocation")
		} else {
			err = s.p.revokeWhere(ctx, `id = ?`, []any{t.id}, grantRevokeAudit(clientID, "client_revocation"))
		}
	}
	if err != nil {
		return oidc.ErrServerError().WithParent(err)
	}
	return nil
}

func (s storage) GetRefreshTokenInfo(ctx context.Context, clientID, token string) (string, string, error) {
	t, err := s.p.tokenWhere(ctx, `token_hash = ? AND kind = 'refresh'`, hashToken(token))
	if err != nil || t.clientID != clientID {
		return "", "", op.ErrInvalidRefreshToken
	}
	return t.subject, t.id, nil
}

func (s storage) SigningKey(ctx context.Context) (op.SigningKey, error) {
	snap, err := s.p.keys.current(ctx)
	if err != nil {
		return nil, err
	}
	return snap.signing, nil
}

func (s storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.ES256}, nil
}

func (s storage) KeySet(ctx context.Context) ([]op.Key, error) {
	snap, err := s.p.keys.current(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]op.Key, 0, len(snap.public))
	for _, k := range snap.public {
		out = append(out, publicKey{k})
	}
	return out, nil
}

func (s storage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	cl, err := s.p.clients.Get(ctx, id)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return nil, errors.New("unknown client")
		}
		return nil, oidc.ErrServerError().WithParent(err)
	}
	return s.p.opClient(ctx, cl), nil
}

func (s storage) AuthorizeClientIDSecret(ctx context.Context, id, secret string) error {
	cl, err := s.p.clients.Get(ctx, id)
	if err != nil {
		if errs.Is(err, errs.NotFound) {
			return errors.New("unknown client")
		}
		return oidc.ErrServerError().WithParent(err)
	}
	if cl.AuthMethod != AuthSecretBasic || !cl.checkSecret(secret) {
		return errors.New("wrong client secret")
	}
	return nil
}

func (s storage) SetUserinfoFromScopes(context.Context, *oidc.UserInfo, string, string, []string) error {
	return nil
}

// SetUserinfoFromRequest fills the ID token: the pairwise subject, the sid,
// and (for refreshed tokens, which op does not give one) the acr.
func (s storage) SetUserinfoFromRequest(ctx context.Context, info *oidc.UserInfo, req op.IDTokenRequest, scopes []string) error {
	var g grant
	switch r := req.(type) {
	case *authRequest:
		g = grantOf(r)
	case *refreshRequest:
		g = r.grant
		info.AppendClaims("acr", g.acr)
	default:
		return oidc.ErrServerError().WithDescription("unexpected request")
	}
	info.Subject = g.subject
	if g.sid != "" {
		info.AppendClaims("sid", g.sid)
	}
	return s.p.fillClaims(ctx, info, g.accountID, scopes)
}

// SetUserinfoFromToken answers the userinfo endpoint for a valid access token.
func (s storage) SetUserinfoFromToken(ctx context.Context, info *oidc.UserInfo, tokenID, subject, _ string) error {
	t, err := s.p.activeAccessToken(ctx, tokenID)
	if err != nil || t.subject != subject || t.accountID == "" {
		return oidc.ErrInvalidRequest().WithDescription("access token is not valid")
	}
	info.Subject = t.subject
	return s.p.fillClaims(ctx, info, t.accountID, t.scopes)
}

func (s storage) SetIntrospectionFromToken(ctx context.Context, resp *oidc.IntrospectionResponse, tokenID, subject, clientID string) error {
	t, err := s.p.activeAccessToken(ctx, tokenID)
	if err != nil || t.subject != subject {
		return errors.New("inactive token")
	}
	resp.Active = true
	resp.Subject = t.subject
	resp.ClientID = t.clientID
	resp.Scope = t.scopes
	return nil
}

func (s storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}

func (s storage) GetKeyByIDAndClientID(ctx context.Context, keyID, clientID string) (*jose.JSONWebKey, error) {
	cl, err := s.p.clients.Get(ctx, clientID)
	if err != nil || cl.keys == nil {
		return nil, errors.New("no keys for this client")
	}
	for _, k := range cl.keys.Key(keyID) {
		return &k, nil
	}
	return nil, errors.New("unknown key")
}

// ValidateJWTProfileScopes refuses: the JWT bearer grant is not offered.
func (s storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, oidc.ErrUnsupportedGrantType()
}

func (s storage) Health(ctx context.Context) error { return s.p.db.Ping(ctx) }

// ClientCredentials authenticates a client for the client credentials
// grant: by the private_key_jwt assertion the token endpoint verified, or
// by its secret.
func (s storage) ClientCredentials(ctx context.Context, clientID, secret string) (op.Client, error) {
	if a := assertionFrom(ctx); a != nil {
		if clientID != "" && clientID != a.clientID {
			return nil, errors.New("client_id does not match the assertion")
		}
		return s.p.opClient(ctx, a.client), nil
	}
	cl, err := s.p.clients.Get(ctx, clientID)
	if err != nil {
		return nil, errors.New("unknown client")
	}
	if cl.AuthMethod != AuthSecretBasic || !cl.checkSecret(secret) {
		return nil, errors.New("client authentication failed")
	}
	return s.p.opClient(ctx, cl), nil
}

func (s storage) ClientCredentialsTokenRequest(ctx context.Context, clientID string, scopes []string) (op.TokenRequest, error) {
	if a := assertionFrom(ctx); a != nil {
		clientID = a.clientID
	}
	cl, err := s.p.clients.Get(ctx, clientID)
	if err != nil {
		return nil, oidc.ErrInvalidClient()
	}
	if !cl.has(GrantClientCredentials) {
		return nil, oidc.ErrUnauthorizedClient()
	}
	for _, sc := range scopes {
		if !slices.Contains(cl.Scopes, sc) || sc == oidc.ScopeOpenID || sc == oidc.ScopeOfflineAccess {
			return nil, oidc.ErrInvalidScope().WithDescription("scope not allowed: %s", sc)
		}
	}
	return &clientRequest{clientID: cl.ID, scopes: scopes}, nil
}

func grantRevokeAudit(clientID, reason string) audit.Entry {
	return audit.Entry{Actor: "client:" + clientID, Action: "oidc.tokens.revoke", Object: "client:" + clientID, Purpose: reason}
}
