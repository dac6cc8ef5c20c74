package oidc

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// opClient presents a registered client to op.
type opClient struct {
	Client
	p        *Provider
	loginURL func(string) string
}

func (p *Provider) opClient(ctx context.Context, cl Client) *opClient {
	r, _ := ctx.Value(requestKey{}).(*http.Request)
	return &opClient{Client: cl, p: p, loginURL: func(id string) string {
		if p.o.SignInURL == nil || r == nil {
			return p.issuer() + "/?demande=" + id
		}
		return p.o.SignInURL(r, id)
	}}
}

// requestKey carries the HTTP request to LoginURL, which op calls without it.
type requestKey struct{}

func (c *opClient) GetID() string                       { return c.ID }
func (c *opClient) RedirectURIs() []string              { return c.Client.RedirectURIs }
func (c *opClient) PostLogoutRedirectURIs() []string    { return c.Client.PostLogoutRedirectURIs }
func (c *opClient) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c *opClient) AuthMethod() oidc.AuthMethod {
	switch c.Client.AuthMethod {
	case AuthPrivateKeyJWT:
		return oidc.AuthMethodPrivateKeyJWT
	case AuthNone:
		return oidc.AuthMethodNone
	}
	return oidc.AuthMethodBasic
}
func (c *opClient) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c *opClient) GrantTypes() []oidc.GrantType {
	out := make([]oidc.GrantType, 0, len(c.Client.GrantTypes))
	for _, g := range c.Client.GrantTypes {
		out = append(out, oidc.GrantType(g))
	}
	return out
}
func (c *opClient) LoginURL(id string) string           { return c.loginURL(id) }
func (c *opClient) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeJWT }
func (c *opClient) IDTokenLifetime() time.Duration      { return c.p.o.IDTokenTTL }

// DevMode makes op compare redirect URIs exactly and nothing more: the
// scheme rules (https, or http on the loopback interface) are enforced when
// the client is registered.
func (c *opClient) DevMode() bool { return true }
func (c *opClient) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *opClient) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c *opClient) IsScopeAllowed(scope string) bool     { return slices.Contains(c.Scopes, scope) }
func (c *opClient) IDTokenUserinfoClaimsAssertion() bool { return false }
func (c *opClient) ClockSkew() time.Duration             { return 0 }
