// Environment variables that hold secrets: an answers `{ env: NAME }` reference names one. Every child
// process Outpost starts (the local terminal, local steps, helpers) gets the environment without
// them, so a secret given through the environment reaches only the step that uses it, as a value.
// The local terminal gets even less (terminalEnv).
const named = new Set<string>();

/** Records that `{ env: name }` refers to a secret (idempotent). */
export function markSecretEnv(name: string): void {
  named.add(name);
}

export function secretEnvNames(): string[] {
  return [...named].sort();
}

/** A copy of `base` without any variable a secret reference named (on Windows, names are case-insensitive). */
export function childEnv(base: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const drop = platform === 'win32' ? new Set([...named].map((n) => n.toUpperCase())) : named;
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    if (drop.has(platform === 'win32' ? k.toUpperCase() : k)) continue;
    out[k] = v;
  }
  return out;
}

/**
 * Outpost's own settings among the `OUTPOST_*` variables: paths, levels and switches. They are still
 * kept from an interactive shell, but their values are not registered as secrets (a data folder's
 * path masked in every message would help nobody).
 */
const SETTINGS = new Set(['OUTPOST_DATA_DIR', 'OUTPOST_RESOURCES_DIR', 'OUTPOST_RENDERER_DIR', 'OUTPOST_LOG_LEVEL', 'OUTPOST_NODE_FLAGS', 'OUTPOST_SSHD', 'OUTPOST_CHROMIUM', 'OUTPOST_WINE_PREFIX', 'OUTPOST_WINE64', 'OUTPOST_BENCH_TOOLS']);
/** Values this short from an unmarked variable would mask every "1" or "yes" in the output. */
const MIN_GUESSED_SECRET = 4;

/**
 * The environment of an interactive shell Outpost opens (the local terminal): `childEnv` without any
 * `OUTPOST_*` variable either, since answers files and the secure store name secrets there (`OUTPOST_AK`,
 * `OUTPOST_SECRET_<KEY>`, `OUTPOST_DEFAULT_PASSWORD`…) before any answers are loaded, and a shell has no
 * use for them. The values of what is dropped (but Outpost's own settings) are registered with
 * `secrets`, so a program that reads them some other way (`/proc/<ppid>/environ`) shows them masked.
 */
export function terminalEnv(secrets?: { add(value: string): void }, base: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  const kept = childEnv(base, platform);
  const norm = (k: string) => (platform === 'win32' ? k.toUpperCase() : k);
  const marked = new Set([...named].map(norm));
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(base)) {
    const key = norm(k);
    const ours = key.startsWith('OUTPOST_');
    if (!ours && k in kept) {
      out[k] = v;
      continue;
    }
    if (!v) continue;
    if (marked.has(key) || (ours && !SETTINGS.has(key) && !key.startsWith('OUTPOST_DEMO_') && v.length >= MIN_GUESSED_SECRET)) secrets?.add(v);
  }
  return out;
}

/**
 * The environment variable that stands for a `{ stored: KEY }` secret outside the app (the CLI cannot
 * read the desktop app's secure store): answers saved by the wizard run in the CLI with it set.
 */
export function storedEnvName(key: string): string {
  return `OUTPOST_SECRET_${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
