package httpx

import (
	"net"
	"net/http"
	"strings"
)

// ContentSecurityPolicy allows only the site's own scripts, styles and
// images: no inline script or style, no framing, no plugin, forms posting
// only to the site itself.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"

// SecureHeaders sets the security headers on every response. HSTS is sent
// when the request came over TLS, or through a trusted proxy that says so,
// or when the site is configured as HTTPS.
func SecureHeaders(alwaysHTTPS, trustProxy bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()")
		if IsHTTPS(r, alwaysHTTPS, trustProxy) {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// IsHTTPS tells whether the client reached the site over HTTPS.
func IsHTTPS(r *http.Request, alwaysHTTPS, trustProxy bool) bool {
	if r.TLS != nil || alwaysHTTPS {
		return true
	}
	return trustProxy && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// ClientAddress makes r.RemoteAddr the client's address behind a trusted
// reverse proxy: the right-most X-Forwarded-For entry, the one the proxy
// itself added (entries further left are the client's word). Without
// trustProxy the header is ignored. Throttling by address depends on it:
// behind a proxy, every client would otherwise share the proxy's address.
func ClientAddress(trustProxy bool, next http.Handler) http.Handler {
	if !trustProxy {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ip := lastForwarded(r.Header.Values("X-Forwarded-For")); ip != "" {
			r2 := r.Clone(r.Context())
			r2.RemoteAddr = net.JoinHostPort(ip, "0")
			r = r2
		}
		next.ServeHTTP(w, r)
	})
}

func lastForwarded(values []string) string {
	if len(values) == 0 {
		return ""
	}
	parts := strings.Split(values[len(values)-1], ",")
	ip := net.ParseIP(strings.TrimSpace(parts[len(parts)-1]))
	if ip == nil {
		return ""
	}
	return ip.String()
}
