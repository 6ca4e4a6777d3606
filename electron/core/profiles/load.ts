// Loading profiles: resources/profiles/*.yaml (shipped) and <data folder>/profiles/*.yaml (the user's).
// Every problem names the file, the line and the field, so a person can fix it in an editor.
import type { z } from 'zod';
import fs from 'node:fs';
import path from 'node:path';
import YAML, { isNode, LineCounter } from 'yaml';
import { ProfileSchema, type Profile } from './schema';

export interface LoadedProfile {
  profile: Profile;
  file: string;
  source: 'shipped' | 'user';
}

/** Parses one profile; problems read `file:line: field: message`. */
export function parseProfile(text: string, file: string): { profile: Profile } | { problems: string[] } {
  const name = path.basename(file);
  const lc = new LineCounter();
  const doc = YAML.parseDocument(text, { prettyErrors: false, lineCounter: lc, uniqueKeys: true });
  if (doc.errors.length) {
    return {
      // The first errors only: one slip in YAML makes every later token an error too.
      problems: doc.errors.slice(0, 3).map((e) => {
        const line = e.pos[0] !== undefined ? lc.linePos(e.pos[0]).line : 0;
        return `${name}:${line}: not valid YAML: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}`;
      }),
    };
  }
  const js: unknown = doc.toJS({ maxAliasCount: 50 });
  const r = ProfileSchema.safeParse(js);
  if (r.success) return { profile: r.data };
  return {
    problems: r.error.issues.flatMap(unionBranch).map((i) => {
      const at = i.code === 'unrecognized_keys' ? [...i.path, i.keys[0] ?? ''] : i.path;
      return `${name}:${lineOf(doc, lc, at)}: ${showPath(js, at) || '(profile)'}: ${message(i, js)}`;
    }),
  };
}

const ACTION_KINDS = ['exec', 'writeFile', 'editIni', 'upload', 'unpack', 'instruction'];

/** A field's path with each step named by its id (`linux.steps[install].action`), which a person finds in the file. */
function showPath(js: unknown, at: readonly PropertyKey[]): string {
  let node: unknown = js;
  let out = '';
  at.forEach((k, n) => {
    const next: unknown = typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[k] : undefined;
    const id = typeof next === 'object' && next !== null ? (next as Record<string, unknown>).id : undefined;
    if (typeof k === 'number') out += at[n - 1] === 'steps' && typeof id === 'string' && /^[a-z][a-z0-9.-]{0,63}$/.test(id) ? `[${id}]` : `[${k}]`;
    else out += out ? `.${String(k)}` : String(k);
    node = next;
  });
  return out;
}

function valueAt(js: unknown, at: readonly PropertyKey[]): unknown {
  let node: unknown = js;
  for (const k of at) node = typeof node === 'object' && node !== null ? (node as Record<PropertyKey, unknown>)[k] : undefined;
  return node;
}

function message(i: z.core.$ZodIssue, js: unknown): string {
  if (i.code === 'invalid_union' && i.path[i.path.length - 1] === 'action') {
    // The action's kind is its one key: say which it got and which there are.
    const v = valueAt(js, i.path);
    const keys = typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.keys(v) : [];
    const got = keys.filter((k) => !ACTION_KINDS.includes(k));
    if (keys.length !== 1) return `is exactly one action, one of: ${ACTION_KINDS.join(', ')}${keys.length ? ` (got ${keys.join(', ')})` : ''}`;
    if (got.length) return `unknown action kind ${got[0] ?? ''} (valid kinds: ${ACTION_KINDS.join(', ')})`;
  }
  if (i.code === 'unrecognized_keys') return `unknown field ${i.keys.join(', ')} (check its spelling)`;
  if (i.code === 'invalid_value') return `must be one of ${i.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return i.message;
}

/**
 * A union that fails (a step's action: exec | writeFile | …) says only "Invalid input" on the union's
 * path. The branch the author meant is the one that got furthest: no unknown field at its own level
 * (`{ exec: … }` is not a writeFile), then the deepest issue. Its issues, with full paths, replace it.
 */
function unionBranch(i: z.core.$ZodIssue): z.core.$ZodIssue[] {
  if (i.code !== 'invalid_union' || !('errors' in i) || !Array.isArray(i.errors) || i.errors.length === 0) return [i];
  const depth = (list: z.core.$ZodIssue[]) => Math.max(0, ...list.map((x) => x.path.length));
  const ranked = i.errors
    .map((list) => list.map((x) => ({ ...x, path: [...i.path, ...x.path] }) as z.core.$ZodIssue))
    .filter((list) => list.length > 0 && !list.some((x) => x.code === 'unrecognized_keys' && x.path.length === i.path.length))
    .sort((a, b) => depth(b) - depth(a));
  const best = ranked[0];
  return best && depth(best) > i.path.length ? best.flatMap(unionBranch) : [i];
}

/** The line of the deepest node that exists on `at` (1 when nothing does). */
function lineOf(doc: YAML.Document, lc: LineCounter, at: readonly PropertyKey[]): number {
  for (let n = at.length; n >= 0; n--) {
    const node = doc.getIn(at.slice(0, n) as Array<string | number>, true);
    if (isNode(node) && node.range) return lc.linePos(node.range[0]).line;
    // A key without a node of its own (e.g. an unknown key): find the pair in its parent map.
  }
  return 1;
}

/**
 * Loads every *.yaml / *.yml profile: the shipped folder first, then the user's. A user profile with a
 * shipped id is refused unless it says `replaces: <that id>`; then it replaces it (and the UI marks it).
 */
export function loadProfiles(shippedDir: string, userDir?: string): { profiles: LoadedProfile[]; problems: string[] } {
  const byId = new Map<string, LoadedProfile>();
  const problems: string[] = [];
  const dirs: Array<[string, 'shipped' | 'user']> = [[shippedDir, 'shipped'], ...(userDir ? ([[userDir, 'user']] as Array<[string, 'user']>) : [])];
  for (const [dir, source] of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf8');
      } catch {
        problems.push(`${file}: cannot be read`);
        continue;
      }
      const r = parseProfile(text, file);
      if ('problems' in r) {
        problems.push(...r.problems.map((p) => (source === 'user' ? path.join(dir, p) : p)));
        continue;
      }
      const existing = byId.get(r.profile.id);
      if (existing && source === 'user' && existing.source === 'shipped' && r.profile.replaces !== r.profile.id) {
        problems.push(`${file}: id ${r.profile.id} is a shipped profile's; add "replaces: ${r.profile.id}" to replace it, or choose another id`);
        continue;
      }
      if (existing && existing.source === source) problems.push(`${file}: id ${r.profile.id} is also used by ${existing.file}; the later file wins`);
      byId.set(r.profile.id, { profile: r.profile, file, source });
    }
  }
  return { profiles: [...byId.values()], problems };
}

/** The shipped folder and the user's: `<dataDir>/profiles` (or --profiles DIR). */
export function profileDirs(resourcesDir: string, dataDir: string, userDir?: string): { shipped: string; user: string } {
  return { shipped: path.join(resourcesDir, 'profiles'), user: userDir ?? path.join(dataDir, 'profiles') };
}
