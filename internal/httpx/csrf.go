package httpx

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"

	"github.com/guichet-qc/guichet/internal/errs"
)

// CSRFField is the name of the hidden form field holding the token.
const CSRFField = "csrf_token"

const csrfKey ctxKey = 1

// CSRF protects every state-changing request twice:
//   - the standard library's cross-origin protection refuses requests that a
//     browser marks as coming from another site (Sec-Fetch-Site, Origin);
//   - every HTML form also carries a token that must equal the value of a
//     cookie only this site can set (double submit), for older browsers.
//
// JSON API requests need only the first check: browsers cannot send them
// cross-site without a CORS preflight, which the site never grants.
type CSRF struct {
	Secure  bool // set the cookie with Secure and the __Host- prefix
	OnError ErrorHandler
	// Exempt reports the requests for protocol endpoints (Router.IsEndpoint):
	// they are meant to be called cross-site or by servers and authenticate
	// themselves, so neither check applies and no cookie is set for them.
	Exempt func(*http.Request) bool
	cop    *http.CrossOriginProtection
}

func (c *CSRF) cookieName() string {
	if c.Secure {
		return "__Host-guichet_csrf"
	}
	return "guichet_csrf"
}

// CSRFToken returns the token to put in forms rendered for this request.
func CSRFToken(ctx context.Context) string {
	s, _ := ctx.Value(csrfKey).(string)
	return s
}

// Middleware enforces the checks and makes the token available to pages.
func (c *CSRF) Middleware(next http.Handler) http.Handler {
	if c.cop == nil {
		c.cop = http.NewCrossOriginProtection()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c.Exempt != nil && c.Exempt(r) {
			next.ServeHTTP(w, r)
			return
		}
		token := ""
		if ck, err := r.Cookie(c.cookieName()); err == nil && len(ck.Value) == 43 {
			token = ck.Value
		}
		if err := c.cop.Check(r); err != nil {
			c.OnError(w, r, errs.Wrap(err, errs.Forbidden, "error.csrf"))
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
		default:
			if !IsAPI(r) {
				sent := r.PostFormValue(CSRFField)
				if token == "" || subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
					c.OnError(w, r, errs.E(errs.Forbidden, "error.csrf"))
					return
				}
			}
		}
		if token == "" && !IsAPI(r) {
			var b [32]byte
			rand.Read(b[:])
			token = base64.RawURLEncoding.EncodeToString(b[:])
			http.SetCookie(w, &http.Cookie{
				Name: c.cookieName(), Value: token, Path: "/",
				HttpOnly: true, Secure: c.Secure, SameSite: http.SameSiteLaxMode,
			})
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), csrfKey, token)))
	})
}
