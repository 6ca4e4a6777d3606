// Environment variables that hold secrets: an answers `{ env: NAME }` reference names one. Every child
// process Outpost starts (the local terminal, local steps, helpers) gets the environment without
// them, so a secret given through the environment reaches only the step that uses it, as a value.
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
 * The environment variable that stands for a `{ stored: KEY }` secret outside the app (the CLI cannot
 * read the desktop app's secure store): answers saved by the wizard run in the CLI with it set.
 */
export function storedEnvName(key: string): string {
  return `OUTPOST_SECRET_${key.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}
