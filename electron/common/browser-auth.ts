// How a browser-mode page proves it holds the token: in the WebSocket handshake, as a subprotocol
// (`Sec-WebSocket-Protocol`), never in a cookie (cookies are shared by every port of 127.0.0.1) and
// never in the WebSocket URL. The server answers with WS_PROTOCOL only, so the token is not echoed.
export const WS_PROTOCOL = 'outpost.v1';
export const TOKEN_PROTOCOL_PREFIX = 'outpost.token.';

/** Tokens are base64url: every character is valid in a subprotocol name. */
const TOKEN_RE = /^[A-Za-z0-9_-]{16,128}$/;

/** The subprotocols a client offers: the protocol itself, and the token. */
export function handshakeProtocols(token: string): string[] {
  return TOKEN_RE.test(token) ? [WS_PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`] : [WS_PROTOCOL];
}

/** The token offered in a `Sec-WebSocket-Protocol` header value, or null. */
export function tokenFromProtocols(header: string | string[] | undefined): string | null {
  const values = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((s) => s.trim());
  for (const v of values) {
    if (v.startsWith(TOKEN_PROTOCOL_PREFIX)) {
      const t = v.slice(TOKEN_PROTOCOL_PREFIX.length);
      return TOKEN_RE.test(t) ? t : null;
    }
  }
  return null;
}

/**
 * The token a page was opened with: `#token=…`, the URL `outpost serve` and `outpost demo` print and the
 * demo's launcher opens. A fragment is never sent to a server. A `?token=` query is not read: it went to
 * the server in the request line, and only servers before tokens ended with them printed it.
 */
export function tokenFromLocation(loc: { hash: string }): string | null {
  const t = new URLSearchParams(loc.hash.replace(/^#/, '')).get('token');
  return t || null;
}
