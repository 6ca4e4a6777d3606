import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../../electron/cli/main';
import { EXAMPLE_FILES, EXAMPLES, SEED } from './helpers';

let out = '';
let err = '';
let tmp = '';
const SK = 'Sk-v3ry-s3cret-value-42';

beforeEach(() => {
  out = '';
  err = '';
  process.exitCode = undefined;
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-cli-'));
  vi.stubEnv('OUTPOST_DATA_DIR', tmp);
  vi.stubEnv('OUTPOST_SK', SK);
  vi.stubEnv('OUTPOST_AK', 'AK-visible-only-with-reveal');
  vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
  fs.rmSync(tmp, { recursive: true, force: true });
});

const write = (name: string, text: string) => {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, text);
  return f;
};
const linuxJump = fs.readFileSync(path.join(EXAMPLES, 'linux-jump.yaml'), 'utf8');

describe('outpost plan', () => {
  for (const file of EXAMPLE_FILES) {
    it(`prints the plan for ${file} (exit 0, masked)`, async () => {
      expect(await main(['plan', path.join(EXAMPLES, file)])).toBe(0);
      expect(out).toMatch(/^Plan: Huawei Cloud LTS ICAgent on (linux|windows), region /);
      expect(out).toMatch(/^1\. /m);
      expect(out).toContain('success: ');
      // The remedy as the profile says it runs: by itself after a failure (Linux, retry: once), or only in a reinstall.
      expect(out).toMatch(file.startsWith('linux') ? /^ {3}if it fails: step uninstall runs by itself, then this step is tried once more; if it fails again: /m : /^ {3}if it fails: .* \(step uninstall runs before this step only in a reinstall: --reinstall\)$/m);
      expect(out).toMatch(file.startsWith('linux') ? /\. Uninstall Huawei Cloud LTS ICAgent .*\(when the step it remedies fails, and when reinstalling\)$/m : /\. Uninstall Huawei Cloud LTS ICAgent .*\(only when reinstalling\)$/m);
      expect(out).not.toContain(SK);
      expect(err).toBe('');
    });
  }

  it('Linux via jump: numbered steps, where each runs, the commands and success criteria', async () => {
    expect(await main(['plan', path.join(EXAMPLES, 'linux-jump.yaml')])).toBe(0);
    expect(out).toContain('7. Install the persistent SSH tunnel (systemd unit outpost-tunnel-icagent.service) on jump server 1 (root@192.168.0.10:22)');
    expect(out).toContain('[tunnel.jump0] tunnel, forward on jump server 1 (root@192.168.0.10:22)');
    expect(out).toContain('[install] install, exec on host 1 (root@10.1.0.21:22), bash');
    expect(out).toContain('-ak **** -sk ****');
    expect(out).toContain('success: output shows "ICAgent install success"');
    expect(out).toContain('check: listening: icagent-8149 192.168.0.10:8149');
  });

  it('--json is the masked plan: connect, tunnel, preflight, install, verify and the uninstall remedy', async () => {
    // The seed documents the vendor tunnel this plan replaces with a persistent one.
    expect(fs.readFileSync(SEED, 'utf8')).toContain('ssh -f -N');
    expect(await main(['plan', path.join(EXAMPLES, 'linux-jump.yaml'), '--json'])).toBe(0);
    const plan = JSON.parse(out) as { version: number; steps: Array<{ id: string; phase: string; optional?: boolean; display: string }> };
    expect(plan.version).toBe(2);
    const ids = plan.steps.map((s) => s.id);
    const wanted = ['connect.jump0', 'tunnel.jump0', 'ports.jump0', 'connect', 'preflight', 'install', 'verify'];
    for (const id of [...wanted, 'uninstall']) expect(ids).toContain(id);
    // in this order (other steps may sit between them)
    expect(ids.filter((id) => wanted.includes(id))).toEqual(wanted);
    expect(new Set(plan.steps.map((s) => s.phase))).toEqual(new Set(['prepare', 'connect', 'tunnel', 'preflight', 'transfer', 'install', 'remedy', 'verify']));
    const phase = (id: string) => plan.steps.find((s) => s.id === id)?.phase;
    expect(wanted.map(phase)).toEqual(['connect', 'tunnel', 'tunnel', 'connect', 'preflight', 'install', 'verify']);
    expect(plan.steps.find((s) => s.id === 'uninstall')).toMatchObject({ phase: 'remedy', optional: true });
    expect(out).toContain('-ak **** -sk ****');
    expect(out).not.toContain(SK);
    expect(out).not.toContain('AK-visible-only-with-reveal');
  });

  it('--reveal is refused when stdout is not a terminal', async () => {
    Object.defineProperty(process.stdout, 'isTTY', { value: false, configurable: true });
    expect(await main(['plan', path.join(EXAMPLES, 'linux-jump.yaml'), '--reveal'])).toBe(2);
    expect(err).toMatch(/--reveal prints secrets and only works when the output is a terminal/);
    expect(out).toBe('');
  });

  it('--reveal on a terminal resolves the environment secrets', async () => {
    Object.defineProperty(process.stdout, 'isTTY', { value: true, configurable: true });
    try {
      expect(await main(['plan', path.join(EXAMPLES, 'linux-jump.yaml'), '--reveal'])).toBe(0);
      expect(out).toContain(`-ak AK-visible-only-with-reveal -sk ${SK}`);
    } finally {
      Object.defineProperty(process.stdout, 'isTTY', { value: undefined, configurable: true });
    }
  });

  const invalid: Array<[string, string, RegExp[]]> = [
    ['bad YAML', 'profile: icagent\nos: [linux\n', [/^not valid YAML at line \d+, column \d+: /]],
    ['unknown profile', linuxJump.replace('profile: icagent', 'profile: datadog'), [/^profile: unknown profile "datadog" \(known: aops-agent, cloudpods-telegraf, icagent, nova-agent, tetra-relay\)$/]],
    ['missing field', linuxJump.replace('  elbIp: 100.125.12.150\n', ''), [/^connectivity\.elbIp: is required$/]],
    ['literal secret', linuxJump.replace('sk: { env: OUTPOST_SK }', 'sk: Sup3rS3cret'), [/^inputs\.sk: a secret cannot be written in the file; give a reference instead: \{ env: NAME \}/]],
    [
      'several problems',
      linuxJump.replace('- privateIp: 192.168.0.10', '- privateIp: "1.2.3.4;rm"').replace('  connectionIp: 192.168.0.10\n', ''),
      [/^connectivity\.jumpServers\[0\]\.privateIp: "1\.2\.3\.4;rm" is not an IPv4 or IPv6 address$/, /^connectivity\.connectionIp: is required$/],
    ],
  ];
  for (const [what, text, lines] of invalid) {
    it(`exits 2 with one line per problem: ${what}`, async () => {
      expect(await main(['plan', write('answers.yaml', text)])).toBe(2);
      const got = err.trimEnd().split('\n');
      expect(got).toHaveLength(lines.length);
      lines.forEach((re, i) => expect(got[i]).toMatch(re));
      expect(err).not.toMatch(/\n\s+at /); // no stack trace
      expect(err).not.toContain('Sup3rS3cret');
      expect(out).toBe('');
    });
  }

  it('a missing file is a clear error, exit 2', async () => {
    expect(await main(['plan', path.join(tmp, 'nope.yaml')])).toBe(2);
    expect(err.trim()).toBe(`${path.join(tmp, 'nope.yaml')}: no such file`);
  });

  it('uses profiles from the user profiles folder too', async () => {
    fs.mkdirSync(path.join(tmp, 'profiles'));
    const shipped = fs.readFileSync(path.join(EXAMPLES, '..', 'profiles', 'icagent.yaml'), 'utf8');
    fs.writeFileSync(path.join(tmp, 'profiles', 'mine.yaml'), shipped.replace('id: icagent', 'id: my-agent').replace('name: Huawei Cloud LTS ICAgent', 'name: My Agent'));
    expect(await main(['plan', write('a.yaml', linuxJump.replace('profile: icagent', 'profile: my-agent'))])).toBe(0);
    expect(out).toMatch(/^Plan: My Agent on linux/);
  });
});
