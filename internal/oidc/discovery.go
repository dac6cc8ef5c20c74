package oidc

import (
	"net/http"

	"github.com/guichet-qc/guichet/internal/assurance"
	"github.com/guichet-qc/guichet/internal/httpx"
)

// Discovery is the provider's metadata (OpenID Connect Discovery 1.0),
// built from what this provider offers, not from the library's defaults
// (which list the implicit flow and only public subjects).
type Discovery struct {
	Issuer                                 string   `json:"issuer"`
	AuthorizationEndpoint                  string   `json:"authorization_endpoint"`
	TokenEndpoint                          string   `json:"token_endpoint"`
	UserinfoEndpoint                       string   `json:"userinfo_endpoint"`
	JWKSURI                                string   `json:"jwks_uri"`
	RevocationEndpoint                     string   `json:"revocation_endpoint"`
	PushedAuthorizationRequestEndpoint     string   `json:"pushed_authorization_request_endpoint"`
	EndSessionEndpoint                     string   `json:"end_session_endpoint"`
	ScopesSupported                        []string `json:"scopes_supported"`
	ResponseTypesSupported                 []string `json:"response_types_supported"`
	ResponseModesSupported                 []string `json:"response_modes_supported"`
	GrantTypesSupported                    []string `json:"grant_types_supported"`
	SubjectTypesSupported                  []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported       []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported      []string `json:"token_endpoint_auth_methods_supported"`
	TokenEndpointAuthSigningAlgValues      []string `json:"token_endpoint_auth_signing_alg_values_supported"`
	RevocationEndpointAuthMethodsSupported []string `json:"revocation_endpoint_auth_methods_supported"`
	CodeChallengeMethodsSupported          []string `json:"code_challenge_methods_supported"`
	ACRValuesSupported                     []string `json:"acr_values_supported"`
	ClaimsSupported                        []string `json:"claims_supported"`
	ClaimsParameterSupported               bool     `json:"claims_parameter_supported"`
	RequestParameterSupported              bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported           bool     `json:"request_uri_parameter_supported"`
	UILocalesSupported                     []string `json:"ui_locales_supported"`
	BackchannelLogoutSupported             bool     `json:"backchannel_logout_supported"`
	BackchannelLogoutSessionSupported      bool     `json:"backchannel_logout_session_supported"`
	AuthorizationResponseIssParameter      bool     `json:"authorization_response_iss_parameter_supported"`
}

// Discovery returns the metadata document.
func (p *Provider) Discovery() Discovery {
	iss := p.issuer()
	algs := []string{"ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"}
	return Discovery{
		Issuer:                                 iss,
		AuthorizationEndpoint:                  iss + authorizePath,
		TokenEndpoint:                          iss + tokenPath,
		UserinfoEndpoint:                       iss + userinfoPath,
		JWKSURI:                                iss + keysPath,
		RevocationEndpoint:                     iss + revokePath,
		PushedAuthorizationRequestEndpoint:     iss + parPath,
		EndSessionEndpoint:                     iss + endSessionPath,
		ScopesSupported:                        []string{"openid", "profile", "email", "offline_access"},
		ResponseTypesSupported:                 []string{"code"},
		ResponseModesSupported:                 []string{"query"},
		GrantTypesSupported:                    []string{GrantCode, GrantRefresh, GrantClientCredentials},
		SubjectTypesSupported:                  []string{SubjectPairwise, SubjectPublic},
		IDTokenSigningAlgValuesSupported:       []string{"ES256"},
		TokenEndpointAuthMethodsSupported:      []string{AuthPrivateKeyJWT, AuthSecretBasic, AuthNone},
		TokenEndpointAuthSigningAlgValues:      algs,
		RevocationEndpointAuthMethodsSupported: []string{AuthPrivateKeyJWT, AuthSecretBasic, AuthNone},
		CodeChallengeMethodsSupported:          []string{"S256"},
		ACRValuesSupported:                     assurance.Levels,
		ClaimsSupported:                        supportedClaims,
		ClaimsParameterSupported:               false,
		RequestParameterSupported:              false,
		RequestURIParameterSupported:           false,
		UILocalesSupported:                     []string{"fr-CA", "en-CA"},
		BackchannelLogoutSupported:             true,
		BackchannelLogoutSessionSupported:      true,
		AuthorizationResponseIssParameter:      false,
	}
}

func (p *Provider) serveDiscovery(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	httpx.WriteJSON(w, http.StatusOK, p.Discovery())
}
