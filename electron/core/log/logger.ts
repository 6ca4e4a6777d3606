// One logging interface for the app (electron-log behind it), the CLI and tests (plain sinks).
// Every sink is wrapped by the redactor, so no caller can forget it.
import { showControls } from '../../common/visible';
import { secrets as defaultSecrets, type SecretRegistry } from '../secrets/registry';

export const LEVELS = ['error', 'warn', 'info', 'debug'] as const;
export type Level = (typeof LEVELS)[number];

export interface Logger {
  error(message: string, ...details: unknown[]): void;
  warn(message: string, ...details: unknown[]): void;
  info(message: string, ...details: unknown[]): void;
  debug(message: string, ...details: unknown[]): void;
}

/** A sink receives already-formatted, already-redacted lines. */
export type Sink = (level: Level, line: string) => void;

/** A log detail as text. With a registry, strings inside objects are masked before they are JSON-escaped. */
export function formatDetail(d: unknown, reg?: SecretRegistry): string {
  if (d instanceof Error) return `${d.name}: ${d.message}`;
  if (typeof d === 'string') return d;
  try {
    return reg ? reg.stringify(d) : (JSON.stringify(d) ?? String(d));
  } catch {
    return String(d);
  }
}

export function createLogger(
  sink: Sink,
  opts: { level?: Level; secrets?: SecretRegistry } = {},
): Logger & { setLevel(l: Level): void } {
  let threshold = LEVELS.indexOf(opts.level ?? 'info');
  const reg = opts.secrets ?? defaultSecrets;
  const emit = (level: Level, message: string, details: unknown[]) => {
    if (LEVELS.indexOf(level) > threshold) return;
    const text = [message, ...details.map((d) => formatDetail(d, reg))].join(' ');
    sink(level, reg.redact(text));
  };
  return {
    error: (m, ...d) => emit('error', m, d),
    warn: (m, ...d) => emit('warn', m, d),
    info: (m, ...d) => emit('info', m, d),
    debug: (m, ...d) => emit('debug', m, d),
    setLevel: (l) => {
      threshold = LEVELS.indexOf(l);
    },
  };
}

export function parseLevel(v: string | undefined, fallback: Level = 'info'): Level {
  return (LEVELS as readonly string[]).includes(v ?? '') ? (v as Level) : fallback;
}

/**
 * stderr sink for the CLI and browser mode. Messages carry text from hosts and files: escapes and lone
 * carriage returns in it are shown (`␛`, `␍`), never sent to the terminal to act on.
 */
export function stderrSink(level: Level, line: string): void {
  process.stderr.write(`[${new Date().toISOString()}] ${level.padEnd(5)} ${showControls(line, { multiline: true })}\n`);
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
