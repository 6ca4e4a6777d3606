// Every secret value the process learns is registered here; every log sink, transcript, journal and
// report passes its text through `redact` before it leaves memory.
export const MASK = '****';

export class SecretRegistry {
  private readonly values = new Set<string>();
  private pattern: RegExp | null = null;

  /** Registers a secret. Very short values (< 4 chars) are still masked, as people do use them. */
  add(value: string | undefined | null): void {
    if (!value) return;
    if (this.values.has(value)) return;
    this.values.add(value);
    this.pattern = null;
  }

  remove(value: string): void {
    if (this.values.delete(value)) this.pattern = null;
  }

  get size(): number {
    return this.values.size;
  }

  redact(text: string): string {
    if (this.values.size === 0 || text.length === 0) return text;
    if (!this.pattern) {
      // Longest first so a secret containing another is masked whole.
      const sorted = [...this.values].sort((a, b) => b.length - a.length);
      this.pattern = new RegExp(sorted.map(escapeRegExp).join('|'), 'g');
    }
    return text.replace(this.pattern, MASK);
  }
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The process-wide registry: the CLI, browser mode and the Electron main process each have one. */
export const secrets = new SecretRegistry();
