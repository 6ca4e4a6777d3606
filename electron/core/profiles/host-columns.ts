// The host-list columns a profile takes, read from its text: the per-host values it uses (and declares),
// and those it uses as ports (which every host's value must then be).
import { HOST_VARS, type Profile } from './schema';

/**
 * The per-host values a profile's probes use as a port: a `listening` probe's port, or the port of an
 * `http` probe's URL (`http://{host.address}:{host.port_http}/…`). Each host's value must be a port.
 */
export function portColumnsOf(p: Profile): string[] {
  const out = new Set<string>();
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (typeof v !== 'object' || v === null) return;
    const o = v as Record<string, unknown>;
    const listening = o.listening as { port?: unknown } | undefined;
    if (listening && typeof listening.port === 'string') for (const m of listening.port.matchAll(/\{host\.([a-z][A-Za-z0-9_]*)\}/g)) out.add(m[1] ?? '');
    const http = o.http as { url?: unknown } | undefined;
    if (http && typeof http.url === 'string') for (const m of http.url.matchAll(/:\{host\.([a-z][A-Za-z0-9_]*)\}(?=[/?#]|$)/g)) out.add(m[1] ?? '');
    Object.values(o).forEach(walk);
  };
  walk([p.linux, p.windows]);
  return [...out].filter(Boolean);
}

/** The per-host values a profile takes (host list columns): declared in `hostInputs`, or used as `{host.<name>}`. */
export function hostColumnsOf(p: Profile): string[] {
  const used = [...JSON.stringify([p.linux, p.windows, p.vars]).matchAll(/\{host\.([a-z][A-Za-z0-9_]*)\}/g)].map((m) => m[1] ?? '');
  const builtin = HOST_VARS.map((v) => v.slice('host.'.length));
  return [...new Set([...p.hostInputs.map((h) => h.name), ...used])].filter((n) => n && !builtin.includes(n));
}
