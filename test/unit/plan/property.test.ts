// For arbitrary strings in every free-text answer: either validation refuses them, naming the field,
// or every generated POSIX command parses back (shell-quote) to exactly the intended argv.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { parse } from 'shell-quote';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { formatProblem, PlanError, planFromAnswers, renderExec, renderPieces, renderStep, validateAnswers, type Piece, type Plan, type SecretRef } from '../../../electron/core/plan';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { EXAMPLES, profiles, regions } from './helpers';

const HOSTILE = [';', '; rm -rf /', '$(touch pwned)', '`touch pwned`', 'a\nb', "'", '"', "it's \"quoted\"", '%PATH%', '^&', 'ünïcødé 中文', '\u202e', '\\', '$HOME', '*', '~', '-oProxyCommand=sh', '../..', ' ', '', '\t', '1.2.3.4;rm', '10.0.0.1 && id', 'host.example.com|id', '[::1]', '::1%eth0'];

const raw = (file: string): Record<string, unknown> => YAML.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as Record<string, unknown>;

type PathKey = string | number;
function setIn(obj: unknown, p: PathKey[], value: unknown): void {
  let cur = obj as Record<PathKey, unknown>;
  for (const k of p.slice(0, -1)) cur = cur[k] as Record<PathKey, unknown>;
  cur[p[p.length - 1] as PathKey] = value;
}
const fieldPath = (p: PathKey[]) => p.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : acc ? `${acc}.${k}` : k), '');

const FIELDS: Array<{ file: string; path: PathKey[]; prepare?: (o: Record<string, unknown>) => void }> = [
  { file: 'linux-jump.yaml', path: ['connectivity', 'jumpServers', 0, 'privateIp'] },
  { file: 'linux-jump.yaml', path: ['connectivity', 'jumpServers', 0, 'ssh', 'host'] },
  { file: 'linux-jump.yaml', path: ['connectivity', 'jumpServers', 0, 'ssh', 'user'] },
  { file: 'linux-jump.yaml', path: ['connectivity', 'elbIp'] },
  { file: 'linux-jump.yaml', path: ['connectivity', 'connectionIp'] },
  { file: 'linux-jump.yaml', path: ['connectivity', 'dc'] },
  { file: 'linux-jump.yaml', path: ['connectivity', 'portOverrides', '80', 'target'] },
  { file: 'linux-jump.yaml', path: ['connectivity', 'allowFrom', 0], prepare: (o) => setIn(o, ['connectivity', 'allowFrom'], ['10.0.0.0/8']) },
  { file: 'linux-jump.yaml', path: ['inputs', 'projectId'] },
  { file: 'linux-jump.yaml', path: ['inputs', 'accessDomain'] },
  { file: 'linux-jump.yaml', path: ['inputs', 'sk', 'env'] },
  { file: 'linux-jump.yaml', path: ['region'] },
  { file: 'linux-jump.yaml', path: ['obsDomain'] },
  { file: 'linux-jump.yaml', path: ['targets', 0, 'host'] },
  { file: 'linux-jump.yaml', path: ['targets', 0, 'user'] },
  { file: 'linux-jump.yaml', path: ['targets', 0, 'name'] },
  { file: 'linux-jump.yaml', path: ['options', 'installDir'], prepare: (o) => setIn(o, ['options'], {}) },
  { file: 'linux-direct.yaml', path: ['targets', 0, 'privateKey', 'path'] },
  { file: 'linux-direct.yaml', path: ['connectivity', 'accessIp'] },
  { file: 'linux-vpcep.yaml', path: ['connectivity', 'vpcepDomain'] },
  { file: 'linux-vpcep.yaml', path: ['connectivity', 'accessIp'] },
  { file: 'windows-vpcep.yaml', path: ['package', 'path'] },
  { file: 'windows-vpcep.yaml', path: ['options', 'installDir'] },
];

const FACTS = { 'hostkey.jump0': 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample' };

/** The words a piece list stands for, with every generated operator as a boundary. */
function intended(pieces: readonly Piece[], resolve: (r: SecretRef) => string): string[] {
  return pieces.flatMap((p): string[] => {
    if (typeof p === 'string') return [p];
    if ('op' in p) return [];
    if ('secret' in p) return [resolve(p.secret)];
    if ('fact' in p) return [FACTS[p.fact as keyof typeof FACTS] ?? ''];
    return [`${p.assign}=${typeof p.value === 'string' ? p.value : resolve(p.value.secret)}`];
  });
}

/** Render for exec with each operator replaced by a plain `;`, then parse back with shell-quote. */
function parsedBack(pieces: readonly Piece[], resolve: (r: SecretRef) => string): string[] {
  const simplified = pieces.map((p): Piece => (typeof p !== 'string' && 'op' in p ? { op: ';' } : p));
  const text = renderPieces(simplified, 'bash', 'exec', resolve, new SecretRegistry(), FACTS);
  return parse(text).filter((w): w is string => typeof w === 'string');
}

/** Every command of the plan (exec steps, command probes, guards) with its shell. */
function commands(plan: Plan): Array<{ id: string; shell: string; command: readonly Piece[] }> {
  const out: Array<{ id: string; shell: string; command: readonly Piece[] }> = [];
  for (const s of plan.steps) {
    const a = s.action;
    if (a.kind === 'exec') out.push({ id: s.id, shell: a.shell, command: a.command });
    for (const p of [...(a.kind === 'probe' ? a.probes : []), ...(s.guard?.probes ?? [])]) if (p.kind === 'command') out.push({ id: s.id, shell: p.shell, command: p.command });
  }
  return out;
}

function checkPlan(plan: Plan, resolve: (r: SecretRef) => string): void {
  for (const c of commands(plan)) {
    if (c.shell === 'bash' || c.shell === 'sh') {
      expect(parsedBack(c.command, resolve)).toEqual(intended(c.command, resolve));
    } else {
      // cmd / PowerShell: rendering either succeeds or refuses (never produces a half-quoted line).
      try {
        const text = renderExec({ command: c.command, shell: c.shell === 'cmd' ? 'cmd' : 'powershell' }, 'exec', resolve, new SecretRegistry(), FACTS);
        if (c.shell === 'cmd') {
          expect(text).not.toMatch(/[%!\r\n]/);
          expect((text.match(/"/g) ?? []).length % 2).toBe(0);
        }
      } catch (err) {
        expect((err as { code?: string }).code).toMatch(/^(secret|plan)\.unquotable$/);
      }
    }
  }
  for (const s of plan.steps) {
    expect(s.display).toBe(renderStep(s, 'display') ?? s.display);
    if (s.action.kind === 'forward') {
      expect(/^ExecStart=(.*)$/m.exec(s.action.unitText)?.[1]?.split(' ')).toEqual(s.action.sshArgv);
      for (const w of s.action.sshArgv) expect(w).toMatch(/^\S+$/);
    }
  }
}

const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(...HOSTILE),
  fc.tuple(fc.constantFrom('192.168.0.10', 'host.example.com', '/opt/x', 'C:\\ICAgent', 'cn-north-4', 'OUTPOST_SK'), fc.constantFrom(...HOSTILE)).map(([a, b]) => a + b),
);

describe('arbitrary strings in every free-text answer', () => {
  for (const f of FIELDS) {
    it(`${f.file} ${fieldPath(f.path)}`, () => {
      const where = fieldPath(f.path);
      fc.assert(
        fc.property(anyString, fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }), (value, secret) => {
          const input = raw(f.file);
          f.prepare?.(input);
          setIn(input, f.path, value);
          const r = validateAnswers(input);
          if (!r.ok) {
            const lines = r.problems.map(formatProblem);
            // The problem names this field (or the object holding it, for cross-field rules).
            expect(lines.some((l) => l.startsWith(where) || where.startsWith(l.split(':')[0] ?? '\0'))).toBe(true);
            return;
          }
          let plan: Plan;
          try {
            plan = planFromAnswers(r.answers, { profiles, regions });
          } catch (err) {
            expect(err).toBeInstanceOf(PlanError);
            expect((err as PlanError).problems.some((p) => p.path.startsWith(where) || where.startsWith(p.path))).toBe(true);
            return;
          }
          const resolve = (ref: SecretRef) => ('env' in ref ? `${ref.env}:${secret}` : secret);
          if (secret.includes('\0')) return;
          checkPlan(plan, resolve);
        }),
        { numRuns: 150 },
      );
    });
  }
});

describe('hostile values reach the installer as data, never as commands (real bash)', () => {
  it.each(HOSTILE.filter((h) => h !== '' && !h.includes('\0')))('secret and install folder %j', (h) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-hostile-'));
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // A fake curl "downloads" an installer that records exactly what it was given.
    fs.writeFileSync(
      path.join(bin, 'curl'),
      `#!/bin/sh\nwhile [ $# -gt 1 ]; do [ "$1" = -o ] && out=$2; shift; done\ncat > "$out" <<'EOS'\nprintf '%s\\0' "REGION=$REGION" "DIR=$ICAGENT_INSTALL_DIR" "$@" > argv.bin\necho ICAgent install success\nEOS\n`,
      { mode: 0o755 },
    );
    const input = raw('linux-jump.yaml');
    const installDir = `/tmp/outpost ${h}`;
    setIn(input, ['options'], { installDir, download: 'tunnel' });
    const r = validateAnswers(input);
    const dirAccepted = r.ok;
    if (!r.ok) {
      expect(r.problems.map(formatProblem).every((l) => l.startsWith('options.installDir: '))).toBe(true);
      setIn(input, ['options'], { download: 'tunnel' });
    }
    const ok = validateAnswers(input);
    if (!ok.ok) throw new Error('base answers invalid');
    const plan = planFromAnswers(ok.answers, { profiles, regions });
    const install = plan.steps.find((s) => s.id === 'install');
    if (!install) throw new Error('no install step');
    const values: Record<string, string> = { OUTPOST_AK: `ak${h}`, OUTPOST_SK: h };
    const exec = renderStep(install, 'exec', (ref) => ('env' in ref ? values[ref.env] : undefined), new SecretRegistry()) ?? '';
    const res = spawnSync('bash', ['-c', exec], { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    expect(res.stdout).toContain('ICAgent install success');
    const argv = fs.readFileSync(path.join(dir, 'argv.bin'), 'utf8').split('\0').slice(0, -1);
    expect(argv).toEqual([
      'REGION=cn-north-4',
      `DIR=${dirAccepted ? installDir : ''}`,
      '-ak', `ak${h}`, '-sk', h,
      '-region', 'cn-north-4', '-projectid', '2a473356cca5487f8373be891bffc1cf', '-accessip', '192.168.0.10', '-obsdomain', 'obs.cn-north-4.myhuaweicloud.com',
      '-dc', 'dc-east-1',
    ]);
    expect(fs.existsSync(path.join(dir, 'pwned'))).toBe(false);
    fs.rmSync(dir, { recursive: true });
  });
});
