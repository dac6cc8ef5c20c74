package oidc

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Pushed authorization requests (RFC 9126): a client posts the parameters
// of an authorization request to parPath, authenticated as at the token
// endpoint, and gets a request_uri to send the browser with instead. The
// parameters never travel through the browser, and are checked before the
// person sees anything.

const (
	parPath       = "/oidc/par"
	parURIPrefix  = "urn:ietf:params:oauth:request_uri:"
	parLifetime   = 90 * time.Second
	maxParamsSize = 8 << 10
)

// pushedClient returns the client a pushed request authenticates as:
// private_key_jwt (checked by clientAuth), client_secret_basic, or a
// public client naming itself.
func (p *Provider) pushedClient(r *http.Request) (Client, error) {
	if a := assertionFrom(r.Context()); a != nil {
		return a.client, nil
	}
	if id, secret, ok := r.BasicAuth(); ok {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		cl, err := p.clients.Get(r.Context(), id)
		if err != nil || cl.AuthMethod != AuthSecretBasic || !cl.checkSecret(secret) {
			return Client{}, errors.New("client authentication failed")
		}
		return cl, nil
	}
	cl, err := p.clients.Get(r.Context(), r.PostForm.Get("client_id"))
	if err != nil || cl.AuthMethod != AuthNone {
		return Client{}, errors.New("client authentication failed")
	}
	return cl, nil
}

// servePAR checks and stores a pushed request: 201 {request_uri, expires_in}.
func (p *Provider) servePAR(w http.ResponseWriter, r *http.Request) {
	cl, err := p.pushedClient(r)
	if err != nil {
		writeOAuthError(w, oidc.ErrInvalidClient().WithDescription("client authentication failed"))
		return
	}
	f := url.Values{}
	for k, v := range r.PostForm {
		switch k {
		case "client_assertion", "client_assertion_type", "client_secret":
		default:
			f[k] = v
		}
	}
	if f.Get("client_id") != "" && f.Get("client_id") != cl.ID {
		writeOAuthError(w, oidc.ErrInvalidRequest().WithDescription("client_id does not match the authenticated client"))
		return
	}
	f.Set("client_id", cl.ID)
	switch {
	case f.Get("request_uri") != "" || f.Get("request") != "":
		writeOAuthError(w, oidc.ErrInvalidRequest().WithDescription("request and request_uri may not be pushed"))
		return
	case f.Get("response_type") != "code":
		writeOAuthError(w, oidc.ErrInvalidRequest().WithDescription("response_type must be code"))
		return
	case !slices.Contains(cl.RedirectURIs, f.Get("redirect_uri")):
		writeOAuthError(w, oidc.ErrInvalidRequest().WithDescription("redirect_uri is not registered for this client"))
		return
	case f.Get("code_challenge") == "" || f.Get("code_challenge_method") != "S256":
		writeOAuthError(w, oidc.ErrInvalidRequest().WithDescription("PKCE with S256 is required"))
		return
	case !slices.Contains(strings.Fields(f.Get("scope")), "openid"):
		writeOAuthError(w, oidc.ErrInvalidScope().WithDescription("the openid scope is required"))
		return
	}
	encoded := f.Encode()
	if len(encoded) > maxParamsSize {
		writeOAuthError(w, oidc.ErrInvalidRequest().WithDescription("request too large"))
		return
	}
	uri := parURIPrefix + randomToken()
	err = p.db.Write(r.Context(), func(tx *database.Tx) error {
		_, err := tx.Exec(r.Context(), `INSERT INTO oidc_pushed_requests (request_uri_hash, client_id, params, expires_at) VALUES (?, ?, ?, ?)`,
			hashToken(uri), cl.ID, encoded, p.o.Now().Add(parLifetime).Unix())
		return err
	})
	if err != nil {
		writeOAuthError(w, oidc.ErrServerError())
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusCreated)
	w.Write([]byte(`{"request_uri":"` + uri + `","expires_in":` + strconv.Itoa(int(parLifetime.Seconds())) + `}`))
}

// pushed expands an authorization request that carries a request_uri: the
// stored parameters replace the query (used once, by the client that
// pushed them, before they expire). Other requests pass unchanged.
func (p *Provider) pushed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uri := r.FormValue("request_uri")
		if uri == "" {
			next.ServeHTTP(w, r)
			return
		}
		params, err := p.takePushed(r.Context(), uri, r.FormValue("client_id"))
		if err != nil {
			http.Error(w, "request_uri unknown, expired, already used, or not this client's", http.StatusBadRequest)
			return
		}
		r2 := r.Clone(r.Context())
		r2.Method = http.MethodGet
		r2.Body, r2.ContentLength, r2.Form, r2.PostForm = http.NoBody, 0, nil, nil
		r2.URL.RawQuery = params
		next.ServeHTTP(w, r2)
	})
}

func (p *Provider) takePushed(ctx context.Context, uri, clientID string) (string, error) {
	var params, owner string
	err := p.db.Write(ctx, func(tx *database.Tx) error {
		return tx.QueryRow(ctx, `DELETE FROM oidc_pushed_requests WHERE request_uri_hash = ? AND expires_at > ? RETURNING client_id, params`,
			hashToken(uri), p.o.Now().Unix()).Scan(&owner, &params)
	})
	if err != nil {
		return "", err
	}
	if owner != clientID {
		return "", errs.E(errs.Invalid, "oidc.request.not_found")
	}
	return params, nil
}
