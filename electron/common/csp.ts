// The one Content-Security-Policy for the renderer, used by the Electron window (meta tag in the
// built page) and by browser mode (HTTP header). No remote code, no inline scripts, no eval, no
// frames. Directives a <meta> tag cannot carry (Chromium ignores them there and logs an error on
// every load) are only in the header form.
export interface CspOptions {
  /** Extra connect-src sources (browser mode's WebSocket). */
  connect?: string[];
  /** The HTTP-header form: adds the directives a meta tag ignores (frame-ancestors). */
  header?: boolean;
}

/** Directives that only work in an HTTP header, never in a meta tag. */
export const HEADER_ONLY_DIRECTIVES = ['frame-ancestors', 'report-uri', 'sandbox'] as const;

export function contentSecurityPolicy(opts: CspOptions = {}): string {
  const directives: Record<string, string[]> = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    // xterm.js and React set element styles at run time.
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'", ...(opts.connect ?? [])],
    'frame-src': ["'none'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'none'"],
    'worker-src': ["'self'"],
  };
  if (opts.header) directives['frame-ancestors'] = ["'none'"];
  return Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join('; ');
}
