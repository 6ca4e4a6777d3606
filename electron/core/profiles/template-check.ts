// Load-time checks of a profile's text: every {placeholder} known, no secret filled into text, `when:`
// conditions and regular expressions valid (split from schema.ts); and a text in the user's language.
import type { z } from 'zod';

const REF = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$/;

function placeholders(s: string): string[] {
  return [...s.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '');
}

export interface TemplateNames {
  known: Set<string>;
  secrets: Set<string>;
  ports: Set<string>;
}

/** Fields that are not templates: shell syntax, markers, regular expressions, references. */
const NOT_TEMPLATE = new Set(['op', 'success', 'failure', 'pattern', 'code', 'when', 'secret', 'args', 'assign', 'shell', 'format', 'expect', 'phase', 'id', 'remedy', 'retry', 'source', 'tools', 'arch', 'file', 'path_', 'direction']);

export function walkTemplates(v: unknown, path: PropertyKey[], t: TemplateNames, ctx: z.RefinementCtx): void {
  if (typeof v === 'string') return checkTemplate(v, t, path, ctx);
  if (Array.isArray(v)) return v.forEach((x, i) => walkTemplates(x, [...path, i], t, ctx));
  if (typeof v !== 'object' || v === null) return;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (!NOT_TEMPLATE.has(k)) walkTemplates(x, [...path, k], t, ctx);
}

export function checkTemplate(s: string, t: TemplateNames, path: PropertyKey[], ctx: z.RefinementCtx) {
  for (const name of placeholders(s)) {
    const [base = '', field] = name.split('.', 2);
    if (t.secrets.has(name)) {
      ctx.addIssue({ code: 'custom', path, message: `{${name}} is a secret input: a secret is never filled into text (it would be shown, and ${name} is not a value here); use it as a { secret: ${name} } piece (a script token, a writeFile content piece, an editIni value)` });
      continue;
    }
    if (base === 'host' && field !== undefined && /^[a-z][A-Za-z0-9_]*$/.test(field)) continue;
    if (base === 'port' && field !== undefined && t.ports.has(field)) continue;
    if (!REF.test(name) || !t.known.has(base) || (name.includes('.') && base !== 'region')) {
      ctx.addIssue({ code: 'custom', path, message: `unknown placeholder {${name}} (known: ${[...t.known].join(', ')}, host.address, host.name, host.<column>${t.ports.size ? `, ${[...t.ports].map((x) => `port.${x}`).join(', ')}` : ''}); for a literal brace in a script, write the word as { op: "…" }, which is not templated` });
    }
  }
}

export function checkWhen(w: string, flags: Set<string>, path: PropertyKey[], ctx: z.RefinementCtx) {
  const name = w.replace(/^!/, '');
  if (!flags.has(name)) ctx.addIssue({ code: 'custom', path, message: `unknown condition ${name}` });
}

export function checkRegex(r: string, path: PropertyKey[], ctx: z.RefinementCtx) {
  try {
    new RegExp(r);
  } catch {
    ctx.addIssue({ code: 'custom', path, message: 'is not a valid regular expression' });
  }
}

/** Text in the user's language (falls back to English). */
export function inLang(t: string | { en: string; 'zh-CN'?: string | undefined; fr?: string | undefined } | undefined, lang = 'en'): string {
  if (t === undefined) return '';
  if (typeof t === 'string') return t;
  return (lang === 'zh-CN' ? t['zh-CN'] : lang === 'fr' ? t.fr : undefined) ?? t.en;
}
