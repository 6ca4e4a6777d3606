// Loading answers from YAML or JSON files. The schema itself lives in common/answers.ts, shared with
// the renderer so the wizard validates as you type with the same rules.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { validateAnswers, type AnswersResult } from '../../common/answers';

export * from '../../common/answers';

export type AnswersFormat = 'yaml' | 'json' | 'auto';

/** Parses answers text. YAML errors keep their line and column but never the source excerpt (it may hold a secret). */
export function parseAnswers(textIn: string, format: AnswersFormat = 'auto'): AnswersResult {
  let data: unknown;
  const fmt = format === 'auto' ? (/^\s*[{[]/.test(textIn) ? 'json' : 'yaml') : format;
  if (fmt === 'json') {
    try {
      data = JSON.parse(textIn);
    } catch (err) {
      return { ok: false, problems: [{ path: '', message: `not valid JSON: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` }] };
    }
  } else {
    const doc = YAML.parseDocument(textIn, { prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      return {
        ok: false,
        problems: doc.errors.map((e) => {
          const pos = e.linePos?.[0];
          const where = pos ? ` at line ${pos.line}, column ${pos.col}` : '';
          return { path: '', message: `not valid YAML${where}: ${e.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '')}` };
        }),
      };
    }
    data = doc.toJS({ maxAliasCount: 100 });
  }
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return { ok: false, problems: [{ path: '', message: 'the answers must be a mapping of fields (profile, os, region, ...)' }] };
  }
  return validateAnswers(data);
}

export function loadAnswersFile(file: string): AnswersResult {
  let textIn: string;
  try {
    textIn = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a folder' : 'cannot be read';
    return { ok: false, problems: [{ path: '', message: `${file}: ${why}` }] };
  }
  const ext = path.extname(file).toLowerCase();
  const r = parseAnswers(textIn, ext === '.json' ? 'json' : ext === '.yaml' || ext === '.yml' ? 'yaml' : 'auto');
  return r.ok ? { ...r, answers: withPackageFrom(r.answers, path.dirname(path.resolve(file))) } : r;
}

/** `package.path` is relative to the answers file (`./ICProbeAgent.tar.gz` beside it), `~/` to the home folder. */
export function withPackageFrom<A extends { package?: { path: string; sha256?: string | undefined } | undefined }>(answers: A, baseDir: string): A {
  const p = answers.package?.path;
  if (!answers.package || p === undefined || /^[A-Za-z]:[\\/]/.test(p)) return answers; // a Windows path stays as written
  const abs = p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : path.resolve(baseDir, p);
  return { ...answers, package: { ...answers.package, path: abs } };
}
