package oidc

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/guichet-qc/guichet/internal/database"
	"github.com/guichet-qc/guichet/internal/errs"
)

// Client authentication methods.
const (
	AuthSecretBasic   = "client_secret_basic"
	AuthPrivateKeyJWT = "private_key_jwt"
	AuthNone          = "none" // public client: PKCE only
)

// Subject types.
const (
	SubjectPairwise = "pairwise"
	SubjectPublic   = "public"
)

// Grant types offered.
const (
	GrantCode              = "authorization_code"
	GrantRefresh           = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// ClientSpec is what is registered of a relying party.
type ClientSpec struct {
	Name                   string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	BackchannelLogoutURI   string
	Sector                 string // sector identifier (a host); default the redirect URIs' single host
	SubjectType            string // SubjectPairwise (default) or SubjectPublic
	AuthMethod             string // AuthSecretBasic (default), AuthPrivateKeyJWT or AuthNone
	JWKS                   json.RawMessage
	GrantTypes             []string // default authorization_code and refresh_token
	Scopes                 []string // scopes it may ask for; default openid profile email offline_access
}

// Client is a registered relying party.
type Client struct {
	ID string
	ClientSpec
	CreatedAt  time.Time
	secretHash string
	keys       *jose.JSONWebKeySet
}

// Clients manages the registered relying parties.
type Clients struct {
	db  *database.DB
	now func() time.Time
}

var (
	scopeRE  = regexp.MustCompile(`^[a-z0-9][a-z0-9:._-]{0,63}$`)
	sectorRE = regexp.MustCompile(`^[a-z0-9.-]{1,253}(:[0-9]{1,5})?$`)
)

func invalid(field, key string) *errs.Error { return errs.E(errs.Invalid, key).OnField(field) }

// validURI checks a registered URI: absolute, no fragment, https unless on
// the loopback interface (development).
func validURI(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Fragment != "" || u.Host == "" || u.User != nil {
		return false
	}
	switch u.Scheme {
	case "https":
		return true
	case "http":
		h := u.Hostname()
		ip := net.ParseIP(h)
		return h == "localhost" || ip != nil && ip.IsLoopback()
	}
	return false
}

func (s *ClientSpec) normalize() error {
	s.Name = strings.TrimSpace(s.Name)
	if s.Name == "" || len(s.Name) > 200 {
		return invalid("name", "oidc.client.name")
	}
	if s.AuthMethod == "" {
		s.AuthMethod = AuthSecretBasic
	}
	if !slices.Contains([]string{AuthSecretBasic, AuthPrivateKeyJWT, AuthNone}, s.AuthMethod) {
		return invalid("auth", "oidc.client.auth")
	}
	if s.SubjectType == "" {
		s.SubjectType = SubjectPairwise
	}
	if s.SubjectType != SubjectPairwise && s.SubjectType != SubjectPublic {
		return invalid("subject", "oidc.client.subject")
	}
	if len(s.GrantTypes) == 0 {
		s.GrantTypes = []string{GrantCode, GrantRefresh}
	}
	for _, g := range s.GrantTypes {
		if !slices.Contains([]string{GrantCode, GrantRefresh, GrantClientCredentials}, g) {
			return invalid("grant", "oidc.client.grant")
		}
	}
	slices.Sort(s.GrantTypes)
	s.GrantTypes = slices.Compact(s.GrantTypes)
	if s.AuthMethod == AuthNone && slices.Contains(s.GrantTypes, GrantClientCredentials) {
		return invalid("grant", "oidc.client.public_client_credentials")
	}
	if len(s.Scopes) == 0 {
		s.Scopes = []string{"openid", "profile", "email", "offline_access"}
	}
	for _, sc := range s.Scopes {
		if !scopeRE.MatchString(sc) {
			return invalid("scope", "oidc.client.scope")
		}
	}
	for _, u := range s.RedirectURIs {
		if !validURI(u) {
			return invalid("redirect-uri", "oidc.client.uri")
		}
	}
	if slices.Contains(s.GrantTypes, GrantCode) && len(s.RedirectURIs) == 0 {
		return invalid("redirect-uri", "oidc.client.redirect_required")
	}
	for _, u := range s.PostLogoutRedirectURIs {
		if !validURI(u) {
			return invalid("post-logout-redirect-uri", "oidc.client.uri")
		}
	}
	if s.BackchannelLogoutURI != "" && !validURI(s.BackchannelLogoutURI) {
		return invalid("backchannel-logout-uri", "oidc.client.uri")
	}
	s.Sector = strings.ToLower(strings.TrimSpace(s.Sector))
	if s.Sector == "" && s.SubjectType == SubjectPairwise && len(s.RedirectURIs) > 0 {
		for _, raw := range s.RedirectURIs {
			u, _ := url.Parse(raw)
			h := strings.ToLower(u.Hostname())
			if s.Sector != "" && s.Sector != h {
				return invalid("sector", "oidc.client.sector_required")
			}
			s.Sector = h
		}
	}
	if s.Sector != "" && !sectorRE.MatchString(s.Sector) {
		return invalid("sector", "oidc.client.sector")
	}
	if s.AuthMethod == AuthPrivateKeyJWT {
		if _, err := parseJWKS(s.JWKS); err != nil {
			return err
		}
	} else if len(s.JWKS) > 0 {
		return invalid("jwks-file", "oidc.client.jwks_unused")
	}
	return nil
}

// parseJWKS accepts a JWK set of public signing keys only.
func parseJWKS(raw json.RawMessage) (*jose.JSONWebKeySet, error) {
	var set jose.JSONWebKeySet
	if len(raw) == 0 || json.Unmarshal(raw, &set) != nil || len(set.Keys) == 0 {
		return nil, invalid("jwks-file", "oidc.client.jwks")
	}
	for _, k := range set.Keys {
		if !k.IsPublic() || !k.Valid() || k.Use == "enc" {
			return nil, invalid("jwks-file", "oidc.client.jwks")
		}
	}
	return &set, nil
}

// Create registers a client. For client_secret_basic it returns the secret,
// which is stored only as a hash: show it once.
func (c *Clients) Create(ctx context.Context, spec ClientSpec) (Client, string, error) {
	if err := spec.normalize(); err != nil {
		return Client{}, "", err
	}
	cl := Client{ID: randomID(), ClientSpec: spec, CreatedAt: c.now().Truncate(time.Second)}
	secret := ""
	if spec.AuthMethod == AuthSecretBasic {
		secret = randomToken()
		cl.secretHash = hashToken(secret)
	}
	jl := func(v []string) string {
		if v == nil {
			v = []string{}
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	err := c.db.Write(ctx, func(tx *database.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO oidc_clients (id, name, secret_hash, auth_method, redirect_uris,
			post_logout_redirect_uris, backchannel_logout_uri, sector, subject_type, jwks, grant_types, scopes, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			cl.ID, cl.Name, cl.secretHash, cl.AuthMethod, jl(cl.RedirectURIs), jl(cl.PostLogoutRedirectURIs),
			cl.BackchannelLogoutURI, cl.Sector, cl.SubjectType, string(cl.JWKS), jl(cl.GrantTypes), jl(cl.Scopes),
			cl.CreatedAt.Unix())
		return err
	})
	if err != nil {
		return Client{}, "", err
	}
	return cl, secret, nil
}

const clientColumns = `id, name, secret_hash, auth_method, redirect_uris, post_logout_redirect_uris,
	backchannel_logout_uri, sector, subject_type, jwks, grant_types, scopes, created_at`

type scanner interface{ Scan(dest ...any) error }

func scanClient(row scanner) (Client, error) {
	var cl Client
	var redirect, postLogout, jwks, grants, scopes string
	var created int64
	if err := row.Scan(&cl.ID, &cl.Name, &cl.secretHash, &cl.AuthMethod, &redirect, &postLogout,
		&cl.BackchannelLogoutURI, &cl.Sector, &cl.SubjectType, &jwks, &grants, &scopes, &created); err != nil {
		return cl, err
	}
	for _, f := range []struct {
		s string
		v *[]string
	}{{redirect, &cl.RedirectURIs}, {postLogout, &cl.PostLogoutRedirectURIs}, {grants, &cl.GrantTypes}, {scopes, &cl.Scopes}} {
		if err := json.Unmarshal([]byte(f.s), f.v); err != nil {
			return cl, errs.Internalf("client %s: %v", cl.ID, err)
		}
	}
	if jwks != "" {
		cl.JWKS = json.RawMessage(jwks)
		if set, ok := parsedSets.Load(jwks); ok {
			cl.keys = set.(*jose.JSONWebKeySet)
		} else {
			set, err := parseJWKS(cl.JWKS)
			if err != nil {
				return cl, errs.Internalf("client %s: stored key set: %v", cl.ID, err)
			}
			parsedSets.Store(jwks, set)
			cl.keys = set
		}
	}
	cl.CreatedAt = time.Unix(created, 0)
	return cl, nil
}

// Get returns a client; errs.NotFound when there is none. Within one
// request to the provider's endpoints, a client is read once.
func (c *Clients) Get(ctx context.Context, id string) (Client, error) {
	memo, _ := ctx.Value(clientMemoKey{}).(*clientMemo)
	if cl, ok := memo.get(id); ok {
		return cl, nil
	}
	var cl Client
	err := c.db.Read(ctx, func(tx *database.Tx) error {
		var err error
		cl, err = getClient(ctx, tx, id)
		return err
	})
	if err == nil {
		memo.put(cl)
	}
	return cl, err
}

// clientMemo holds the clients read during one HTTP request, which op asks
// for several times.
type clientMemo struct {
	mu sync.Mutex
	m  map[string]Client
}

type clientMemoKey struct{}

func withClientMemo(ctx context.Context) context.Context {
	return context.WithValue(ctx, clientMemoKey{}, &clientMemo{})
}

func (m *clientMemo) get(id string) (Client, bool) {
	if m == nil {
		return Client{}, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cl, ok := m.m[id]
	return cl, ok
}

func (m *clientMemo) put(cl Client) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string]Client{}
	}
	m.m[cl.ID] = cl
}

// parsedSets caches parsed key sets by their text: parsing and validating
// the keys costs more than reading the row.
var parsedSets sync.Map // string → *jose.JSONWebKeySet

func getClient(ctx context.Context, tx *database.Tx, id string) (Client, error) {
	cl, err := scanClient(tx.QueryRow(ctx, `SELECT `+clientColumns+` FROM oidc_clients WHERE id = ?`, id))
	if errs.Is(err, errs.NotFound) {
		return cl, errs.Wrap(err, errs.NotFound, "oidc.client.not_found")
	}
	return cl, err
}

// List returns every client, oldest first.
func (c *Clients) List(ctx context.Context) ([]Client, error) {
	var out []Client
	err := c.db.Read(ctx, func(tx *database.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+clientColumns+` FROM oidc_clients ORDER BY created_at, id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			cl, err := scanClient(rows)
			if err != nil {
				return err
			}
			out = append(out, cl)
		}
		return rows.Err()
	})
	return out, err
}

// Delete removes a client, its consents and its tokens.
func (c *Clients) Delete(ctx context.Context, id string) error {
	return c.db.Write(ctx, func(tx *database.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM oidc_clients WHERE id = ?`, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.E(errs.NotFound, "oidc.client.not_found")
		}
		for _, q := range []string{
			`DELETE FROM oidc_consents WHERE client_id = ?`,
			`DELETE FROM oidc_tokens WHERE client_id = ?`,
			`DELETE FROM oidc_auth_requests WHERE client_id = ?`,
			`DELETE FROM oidc_session_clients WHERE client_id = ?`,
		} {
			if _, err := tx.Exec(ctx, q, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkSecret compares a presented secret with the stored hash.
func (cl Client) checkSecret(secret string) bool {
	return cl.secretHash != "" && subtle.ConstantTimeCompare([]byte(hashToken(secret)), []byte(cl.secretHash)) == 1
}

// has tells whether a grant type is registered.
func (cl Client) has(grant string) bool { return slices.Contains(cl.GrantTypes, grant) }

// NewClients manages the clients of db without starting a provider (for
// the command line).
func NewClients(db *database.DB) *Clients { return &Clients{db: db, now: time.Now} }
