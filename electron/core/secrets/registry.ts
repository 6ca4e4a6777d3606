// Every secret value the process learns is registered here; every log sink, transcript, journal and
// report passes its text through `redact` (whole texts), `stringify` (values about to become JSON) or
// a `stream()` (output arriving in chunks: terminals, run output, CLI stdout) before it leaves memory.
export const MASK = '****';

/**
 * How long a stream waits after its last chunk before it looks again at what it holds back (see
 * RedactStreamOptions.flushAfterMs). That look releases only text that can no longer be the start of
 * a secret (the registry changed meanwhile); a prefix is never released on a timer alone: a secret
 * typed or printed in two pieces any time apart would show.
 */
export const STREAM_IDLE_MS = 1000;
/** The former name of STREAM_IDLE_MS (it was a 50 ms timer that released the held prefix). */
export const STREAM_FLUSH_MS = STREAM_IDLE_MS;

/** What a stream holds back for a later chunk; see SecretRegistry.stream. */
export interface RedactStream {
  /** Takes the next chunk; returns the text that is safe to show now (masked). The rest is held back. */
  push(chunk: string): string;
  /** Returns everything held back (masked) and empties the stream: call it at the end of the output. */
  flush(): string;
  /** Characters currently held back. */
  readonly pending: number;
  /** Stops the idle timer (if any) without emitting; what is held back is dropped. */
  dispose(): void;
}

export interface RedactStreamOptions {
  /**
   * Called with text the stream releases on its own after `flushAfterMs` without a chunk: only the part
   * of the held-back text that cannot be the start of a registered secret any more (e.g. a secret was
   * removed meanwhile). Without it the caller owns releasing (the next `push`, or `flush()` at the end).
   */
  onFlush?: (text: string) => void;
  /** Quiet time before the stream looks at what it holds. Default STREAM_IDLE_MS. */
  flushAfterMs?: number;
}

/**
 * The forms a secret can take in text we write: as is, JSON-escaped (a log detail or journal line
 * serialised once), and JSON-escaped twice (JSON inside a JSON string). Forms equal to the raw value
 * (no `"`, `\` or control characters) are not repeated.
 */
export function secretForms(value: string): string[] {
  const forms = new Set<string>([value]);
  let s = value;
  for (let i = 0; i < 2; i++) {
    s = JSON.stringify(s).slice(1, -1);
    forms.add(s);
  }
  return [...forms];
}

export class SecretRegistry {
  private readonly values = new Set<string>();
  private compiled: { pattern: RegExp; forms: string[]; maxLength: number } | null = null;

  /** Registers a secret. Very short values (< 4 chars) are still masked, as people do use them. */
  add(value: string | undefined | null): void {
    if (!value) return;
    if (this.values.has(value)) return;
    this.values.add(value);
    this.compiled = null;
  }

  remove(value: string): void {
    if (this.values.delete(value)) this.compiled = null;
  }

  get size(): number {
    return this.values.size;
  }

  /** The longest form (raw or escaped) of any registered secret; a stream holds back at most this - 1. */
  get maxSecretLength(): number {
    return this.compile()?.maxLength ?? 0;
  }

  private compile(): { pattern: RegExp; forms: string[]; maxLength: number } | null {
    if (this.values.size === 0) return null;
    if (!this.compiled) {
      // Longest first so a secret containing another is masked whole.
      const forms = [...new Set([...this.values].flatMap(secretForms))].sort((a, b) => b.length - a.length);
      this.compiled = { pattern: new RegExp(forms.map(escapeRegExp).join('|'), 'g'), forms, maxLength: forms[0]?.length ?? 0 };
    }
    return this.compiled;
  }

  /** Masks every registered secret in a whole text, in its raw and JSON-escaped forms. */
  redact(text: string): string {
    const c = this.compile();
    if (!c || text.length === 0) return text;
    return text.replace(c.pattern, MASK);
  }

  /**
   * JSON.stringify with every string value and object key masked *before* it is escaped: a secret
   * holding `"` or `\` is otherwise only present in its escaped form. The JSON stays valid (the
   * text is never searched after serialising, where a secret like `"` would hit the structure).
   */
  stringify(value: unknown, space?: number): string {
    if (!this.compile()) return JSON.stringify(value, null, space) ?? 'undefined';
    const replacer = (_key: string, v: unknown): unknown => {
      if (typeof v === 'string') return this.redact(v);
      if (v && typeof v === 'object' && !Array.isArray(v)) {
        const entries = Object.entries(v as Record<string, unknown>);
        if (entries.some(([k]) => this.redact(k) !== k)) return Object.fromEntries(entries.map(([k, x]) => [this.redact(k), x]));
      }
      return v;
    };
    return JSON.stringify(value, replacer, space) ?? 'undefined';
  }

  /**
   * A redactor for one stream of output. Text is released as soon as no secret can still begin in
   * it: only the longest tail that is the start of a registered secret (at most maxSecretLength - 1
   * characters) is held back, until the next chunk or `flush()` at the stream's end — never on a timer
   * alone, whatever the pause between the pieces of a secret. After `flushAfterMs` of quiet the
   * optional `onFlush` gets what has stopped being a possible prefix (the registry changed), if any.
   * One stream per source (a terminal, a step's output, stdout); never share one between sources.
   */
  stream(opts: RedactStreamOptions = {}): RedactStream {
    let held = '';
    let timer: ReturnType<typeof setTimeout> | null = null;
    const clearTimer = () => {
      if (timer) clearTimeout(timer);
      timer = null;
    };
    const flush = (): string => {
      clearTimer();
      const out = this.redact(held);
      held = '';
      return out;
    };
    const take = (text: string): string => {
      const c = this.compile();
      if (!c) {
        held = '';
        return text;
      }
      const { out, rest } = release(text, c.pattern, c.forms);
      held = rest;
      return out;
    };
    const arm = () => {
      if (!held || !opts.onFlush) return;
      const onFlush = opts.onFlush;
      timer = setTimeout(() => {
        timer = null;
        // Only what the current secrets no longer make a possible prefix; the rest stays held.
        const t = take(held);
        if (t) onFlush(t);
      }, opts.flushAfterMs ?? STREAM_IDLE_MS);
      (timer as { unref?: () => void }).unref?.();
    };
    const push = (chunk: string): string => {
      clearTimer();
      const out = take(held + chunk);
      arm();
      return out;
    };
    return {
      push,
      flush,
      get pending() {
        return held.length;
      },
      dispose: () => {
        clearTimer();
        held = '';
      },
    };
  }
}

/**
 * Splits `text` into what can be released now (masked) and a raw tail to hold back. The tail starts
 * at the first position where the rest of the text is a proper prefix of some form: only there can a
 * secret still be completed by the next chunk. Every match starting before that point is final
 * (all longer alternatives starting there would already fit in `text`), and a match that runs into
 * the tail is released whole.
 */
function release(text: string, pattern: RegExp, forms: string[]): { out: string; rest: string } {
  let cut = text.length;
  for (const f of forms) {
    const first = f.charCodeAt(0);
    for (let k = Math.min(f.length - 1, text.length); k > 0 && text.length - k < cut; k--) {
      const at = text.length - k;
      if (text.charCodeAt(at) === first && text.startsWith(f.slice(0, k), at)) {
        cut = at;
        break;
      }
    }
  }
  let out = '';
  let last = 0;
  pattern.lastIndex = 0;
  for (let m = pattern.exec(text); m; m = pattern.exec(text)) {
    if (m.index >= cut) break;
    out += text.slice(last, m.index) + MASK;
    last = m.index + m[0].length;
  }
  pattern.lastIndex = 0;
  const end = Math.max(cut, last);
  return { out: out + text.slice(last, end), rest: text.slice(end) };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The process-wide registry: the CLI, browser mode and the Electron main process each have one. */
export const secrets = new SecretRegistry();
