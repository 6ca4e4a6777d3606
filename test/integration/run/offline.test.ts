// Offline ICAgent install through the built CLI: the package is a local .tar.gz (answers.package, a
// path relative to the answers file), uploaded to the target behind the jump server, checked there,
// unpacked after its listing passed the unpacker's rules, and installed from
// <offlineDir>/bin/manual/setup.sh. The package's setup.sh is the stand-in installer (the vendor's
// ICProbeAgent.tar.gz cannot exist here). The bucket behind the tunnel must see no download: the
// target needs no network but the tunnel's agent ports.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURE_DIR, killAgents, ROOT, SECRETS, startWorld, type World } from './world';

let world: World;
let pkg: string;
let sum: string;
let offlineDir: string;

function outpost(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(ROOT, 'bin', 'outpost.mjs'), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

function writeAnswers(file: string, extra: Record<string, unknown>): void {
  const inputs = { ...(world.answers.credentials as Record<string, unknown>), offlineDir };
  const a: Record<string, unknown> = { ...world.answers, credentials: undefined, inputs, ...extra };
  delete a.credentials;
  fs.writeFileSync(file, YAML.stringify(a));
}

/** What a run left on the target: the agent (run as root), the package folder, the upload cache. */
function clean(): void {
  killAgents();
  for (const d of [offlineDir, path.join(world.targetUser.home, '.cache', 'outpost')]) fs.rmSync(d, { recursive: true, force: true });
}

/** Runs a shell command as the target's test user (its files are not ours to read directly). */
function asTarget(cmd: string): string {
  return execFileSync('su', ['-s', '/bin/bash', world.targetUser.name, '-c', cmd], { encoding: 'utf8' });
}

beforeAll(async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.mjs'))) throw new Error('dist/ is missing: run `npm run build` first (npm test does).');
  world = await startWorld();
  offlineDir = path.join(world.targetUser.home, 'ICAgent');
  // The test users' homes outlive a run: start without what an earlier one left (root-owned: installed with sudo).
  clean();
  const src = path.join(world.dir, 'pkg');
  fs.mkdirSync(path.join(src, 'bin', 'manual'), { recursive: true });
  // The package's setup.sh: takes only the flags the vendor's apm_agent_install.sh passes it (-ip <accessip>:9999 …).
  fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'icagent', 'setup.sh'), path.join(src, 'bin', 'manual', 'setup.sh'));
  fs.copyFileSync(path.join(FIXTURE_DIR, 'apm_agent_install.sh'), path.join(src, 'bin', 'manual', 'apm_agent_install.sh'));
  pkg = path.join(world.dir, 'ICProbeAgent.tar.gz');
  execFileSync('tar', ['-czf', pkg, '-C', src, 'bin']);
  sum = createHash('sha256').update(fs.readFileSync(pkg)).digest('hex');
  execFileSync('chmod', ['755', world.dir]);
});
afterAll(async () => {
  if (world) clean();
  await world?.stop();
});

describe('offline ICAgent install from a local package', () => {
  it('refuses a package whose SHA-256 differs, before connecting anywhere, showing both values', async () => {
    const file = path.join(world.dir, 'wrong.yaml');
    const wrong = 'ab'.repeat(32);
    writeAnswers(file, { package: { path: './ICProbeAgent.tar.gz', sha256: wrong } });
    const r = await outpost(['run', file, '--accept-new-hostkeys'], world.env);
    expect(r.code, r.out).toBe(1);
    expect(r.out).toContain(sum);
    expect(r.out).toContain(wrong);
    expect(r.out).toContain('Nothing was sent');
    // Nothing connected: no host key was asked for or recorded, nothing reached the target.
    expect(fs.existsSync(path.join(world.env.OUTPOST_DATA_DIR ?? '', 'known_hosts'))).toBe(false);
    expect(asTarget(`test -e ${offlineDir} && echo yes || echo no`).trim()).toBe('no');
  });

  it('uploads (replacing a copy an earlier run cut short), checks on the target, installs, and heartbeats arrive', async () => {
    // What an earlier, cut-off upload by another tool leaves: a truncated file at the destination.
    asTarget(`mkdir -p ${offlineDir} && head -c 100 /dev/zero > ${offlineDir}/ICProbeAgent.tar.gz`);
    const file = path.join(world.dir, 'offline.yaml');
    writeAnswers(file, { package: { path: './ICProbeAgent.tar.gz' } });
    fs.writeFileSync(`${pkg}.sha256`, `${sum}  ICProbeAgent.tar.gz\n`); // the vendor-style checksum file beside it
    const downloadsBefore = world.backend.stats().http?.downloads ?? 0;
    const r = await outpost(['run', file, '--accept-new-hostkeys'], world.env);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/a different file was at .*ICProbeAgent\.tar\.gz \(an older package, or a copy cut short\): replaced/);
    expect(r.out).toMatch(/upload-package \[target0\]: [0-9.]+ of [0-9.]+ (bytes|KiB|MiB) sent/);
    expect(r.out).toMatch(/ICProbeAgent\.tar\.gz → .*ICAgent\/ICProbeAgent\.tar\.gz \(\d+ bytes, SHA-256 [0-9a-f]{12}… checked on the host\)/);
    expect(r.out).toContain('ICAgent install success');
    // Called as the vendor's script calls it.
    expect(r.out).toContain(`setup.sh: -ip ${(world.answers.connectivity as { connectionIp: string }).connectionIp}:9999 -scene hws -plugoff reserved -dc dc-test-1`);
    expect(asTarget(`sha256sum ${offlineDir}/ICProbeAgent.tar.gz`).split(' ')[0]).toBe(sum);
    // Nothing left beside it: the temporary name was renamed into place.
    expect(asTarget(`ls -A ${offlineDir} | grep -c '^\\.outpost-' || true`).trim()).toBe('0');
    expect(asTarget(`test -f ${offlineDir}/bin/manual/setup.sh && echo yes`).trim()).toBe('yes');
    const hb = await world.backend.waitForHeartbeats(1, { timeoutMs: 15_000 });
    expect(hb[0]?.projectid).toBe('2a473356cca5487f8373be891bffc1cf');
    expect(world.backend.stats().http?.downloads ?? 0).toBe(downloadsBefore);
    for (const v of Object.values(SECRETS)) expect(r.out).not.toContain(v);
  });

  it('a second run finds the agent running and sends nothing', async () => {
    const r = await outpost(['run', path.join(world.dir, 'offline.yaml')], world.env);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/already installed and running/);
    expect(r.out).not.toContain('checked on the host)');
  });

  it('refuses to unpack an archive whose entries climb out of the folder, naming the entry', async () => {
    execFileSync('bash', ['-c', `bash ${world.installDir}/ICAgent/bin/manual/uninstall.sh >/dev/null 2>&1 || true`]);
    fs.rmSync(offlineDir, { recursive: true, force: true });
    const evil = path.join(world.dir, 'evil');
    fs.mkdirSync(path.join(evil, 'a'), { recursive: true });
    fs.writeFileSync(path.join(evil, 'x'), 'x');
    const bad = path.join(world.dir, 'evil.tar.gz');
    execFileSync('tar', ['-czPf', bad, '-C', path.join(evil, 'a'), '../x']); // -P keeps the "../"
    expect(execFileSync('tar', ['-tzf', bad], { encoding: 'utf8' }).trim()).toBe('../x');
    const file = path.join(world.dir, 'evil.yaml');
    writeAnswers(file, { package: { path: bad } });
    const r = await outpost(['run', file], world.env);
    // An unsafe archive is wrong input: exit 2, as \`outpost unpack\` says of the same archive.
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/was not unpacked: .*\.\.\/x/);
    expect(asTarget(`test -e ${world.targetUser.home}/x && echo yes || echo no`).trim()).toBe('no');
  });
});
