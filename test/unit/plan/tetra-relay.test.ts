// The tetra-relay profile (seed 002) plans to the guide's docker commands, with the parameters in an
// env file (mode 0600, removed after docker run) instead of -e flags, the optional ones only when set.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan, Probe, Step } from '../../../electron/common/api';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { parseProfile } from '../../../electron/core/profiles';
import { OutpostService } from '../../../electron/core/service';
import { example, RESOURCES } from './helpers';

const base = example('tetra-relay.yaml');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-tetra-plan-'));
const service = new OutpostService({ dataDir, resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
/** The example's plan with some inputs changed. */
function plan(changed: Record<string, unknown> = {}): Plan {
  return service.plan({ ...base, inputs: { ...base.inputs, ...changed } });
}
/** A step of the plan by id (the ids present are in the error). */
function step(p: Plan, id: string): Step {
  const byId = new Map(p.steps.map((s) => [s.id, s]));
  const found = byId.get(id);
  if (found === undefined) throw new Error(`no step ${id} in ${[...byId.keys()].join(' ')}`);
  return found;
}
const envFile = (p: Plan): string => {
  const a = step(p, 'env-file').action;
  if (a.kind !== 'writeFile') throw new Error('not writeFile');
  return a.content.map((c) => (typeof c === 'string' ? c : `<${c.name}>`)).join('');
};

describe('tetra-relay plan', () => {
  it("checks Docker, uploads, loads, replaces the container and runs it with the seed's flags", () => {
    const p = plan();
    const shown = new Map(p.steps.filter((s) => s.on === 'targets').map((s) => [s.id, s.display]));
    expect([...shown.keys()]).toEqual(['connect', 'preflight', 'tdp-agent', 'tdp-enable', 'docker', 'upload', 'load', 'remove-old', 'env-file', 'install', 'init', 'uninstall', 'uninstall-image', 'verify']);
    expect(shown.get('docker')).toContain("docker version --format '{{.Server.Version}}'");
    expect(shown.get('docker')).toContain('sort -V | head -n1)" != 20.10.21 ]');
    expect(shown.get('load')).toMatch(/^docker load -i \/opt\/tetra-relay\/tetra-relay-image\.tar && rm -f \/opt\/tetra-relay\/tetra-relay-image\.tar && .*docker image inspect --format '\{\{\.Id\}\}' ts-agent-http-relay:v1\.0\.0$/);
    expect(step(p, 'upload').action).toEqual({ kind: 'upload', from: './ts-agent-http-relay-v1.0.0.tar', to: '/opt/tetra-relay/tetra-relay-image.tar', sha256: base.inputs?.imageSha256, mode: 0o600, root: true });
    expect(step(p, 'remove-old').display).toContain('then docker rm -f ts-agent-http-relay ;');
    expect(step(p, 'install').display).toBe('docker run --name ts-agent-http-relay --env-file /opt/tetra-relay/relay.env --net=host --restart=always --ulimit core=0 --log-driver local -d ts-agent-http-relay:v1.0.0');
    expect(step(p, 'init').onFailure?.hint).toMatch(/exit-restart loop .* 401 or 403/);
  });

  it('puts no secret on a command line: the JWT is only a secret piece of the env file (0600, removed after docker run)', () => {
    const p = plan();
    const a = step(p, 'env-file').action;
    expect(a).toMatchObject({ kind: 'writeFile', path: '/opt/tetra-relay/relay.env', mode: 0o600, transient: true });
    expect(envFile(p)).toBe('API_TARGET=https://api.tetrascience.com\nORG_SLUG=my-org\nAGENT_ID=6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f\nJWT=<inputs.jwt>\n');
    for (const s of p.steps) expect(s.display).not.toMatch(/ -e |JWT=(?!\*)/);
  });

  it('passes the optional parameters only when set, the proxies in lower case as the seed does', () => {
    const p = plan({ secureCommandKey: { env: 'OUTPOST_TETRA_KEY' }, httpProxy: 'http://proxy:3128', httpsProxy: 'http://proxy:3129', noProxy: 'localhost,10.0.0.0/8' });
    expect(envFile(p)).toBe('API_TARGET=https://api.tetrascience.com\nORG_SLUG=my-org\nAGENT_ID=6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f\nJWT=<inputs.jwt>\nSECURE_COMMAND_KEY=<inputs.secureCommandKey>\nhttp_proxy=http://proxy:3128\nhttps_proxy=http://proxy:3129\nno_proxy=localhost,10.0.0.0/8\n');
    expect(envFile(plan({ httpsProxy: 'http://proxy:3129' }))).toMatch(/JWT=<inputs\.jwt>\nhttps_proxy=http:\/\/proxy:3129\n$/);
  });

  it('names the container as asked, and refuses a bad checksum', () => {
    expect(step(plan({ containerName: 'relay-2' }), 'install').display).toContain('--name relay-2 ');
    expect(() => plan({ imageSha256: 'abc' })).toThrow(/imageSha256/);
  });

  it('verifies the container is up and its log has the init line', () => {
    const v = step(plan(), 'verify').action;
    expect(v.kind === 'probe' && v.probes.map((x) => x.kind === 'command' && x.name)).toEqual(['container up', 'agent init in the log']);
    expect(step(plan(), 'verify').display).toContain("docker ps --filter 'name=^/ts-agent-http-relay$' --filter status=running | grep -F ts-agent-http-relay");
  });
});

const FX = path.join(import.meta.dirname, '..', '..', 'fixtures', 'proc');
/** A script's text as bash gets it (ops as written, words and assignments plainly: test values need no quoting). */
const scriptText = (pieces: ReadonlyArray<unknown>): string =>
  pieces
    .map((x) => {
      if (typeof x === 'string') return x;
      const o = x as { op?: string; assign?: string; value?: unknown };
      return o.op ?? (o.assign ? `${o.assign}=${String(o.value)}` : '');
    })
    .join(' ');
const check = (p: Plan, name: string): Extract<Probe, { kind: 'command' }> => {
  const a = step(p, 'preflight').action;
  const found = a.kind === 'probe' ? a.probes.find((x) => x.kind === 'command' && x.name === name) : undefined;
  if (found?.kind !== 'command') throw new Error(`no check ${name}`);
  return found;
};
const run = (shell: string, text: string) => spawnSync(shell, ['-c', text], { encoding: 'utf8' });

describe("tetra-relay: the guide's minimum requirements, checked before anything changes", () => {
  it('lists its own checks after the usual ones: API_TARGET reached, CPU (advised), memory, free space at Docker\'s data root', () => {
    const a = step(plan(), 'preflight').action;
    if (a.kind !== 'probe') throw new Error('not a probe');
    expect(a.probes.filter((x) => x.kind === 'command').map((x) => [x.kind === 'command' && x.name, x.kind === 'command' && x.advisory === true])).toEqual([
      ['API_TARGET reachable', false],
      ['one vCPU faster than 2 GHz', true],
      ['1 GiB of memory for the agent', false],
      ["free space at Docker's data root", false],
    ]);
    // The upload folder only holds the archive for a moment; Docker's data root holds the image and its logs.
    expect(a.probes.find((x) => x.kind === 'disk')).toEqual({ kind: 'disk', path: '/opt/tetra-relay', minFreeMiB: 300 });
    expect(check(plan(), 'API_TARGET reachable').hint).toBe('The agent calls https://api.tetrascience.com itself (the guide: outbound internet access to the TDP): check the host\'s DNS, firewall and route, and the proxies (httpProxy, httpsProxy); then run again.');
  });

  it('reaches API_TARGET from the host, through the proxies the answers give', async () => {
    expect(scriptText(check(plan(), 'API_TARGET reachable').command)).not.toContain('proxy=');
    const proxied = scriptText(check(plan({ httpsProxy: 'http://proxy:3129', noProxy: 'localhost' }), 'API_TARGET reachable').command);
    expect(proxied).toContain('https_proxy=http://proxy:3129 ; export https_proxy ; no_proxy=localhost ; export no_proxy ; if command -v curl');
    const web = http.createServer((_q, r) => r.writeHead(404).end());
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const up = (web.address() as net.AddressInfo).port;
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const down = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const text = (url: string) => scriptText(check(plan({ apiTarget: url }), 'API_TARGET reachable').command);
    // bash runs beside this process (not spawnSync): the server must keep answering.
    const runAsync = (t: string) =>
      new Promise<{ status: number | null; stdout: string }>((res) => {
        const c = spawn('bash', ['-c', t], { stdio: ['ignore', 'pipe', 'ignore'] });
        let stdout = '';
        c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        c.on('close', (status) => res({ status, stdout }));
      });
    const [ok, bad] = await Promise.all([`http://127.0.0.1:${up}/`, `http://127.0.0.1:${down}/`].map((u) => runAsync(text(u))));
    web.close();
    // Any HTTP answer is reach (the TDP's own 404 included); no answer is not.
    expect(ok).toMatchObject({ status: 0, stdout: `API_TARGET http://127.0.0.1:${up}/ answered (HTTP 404)\n` });
    expect(bad?.status).toBe(1);
    expect(bad?.stdout).toMatch(new RegExp(`^API_TARGET http://127\\.0\\.0\\.1:${down}/ is not reachable from this host: curl: \\(7\\) Failed to connect`));
  });

  it('memory: 1 GiB available (MemAvailable, else MemTotal on old kernels)', () => {
    const text = scriptText(check(plan(), '1 GiB of memory for the agent').command);
    const at = (f: string) => run('sh', text.replace('/proc/meminfo', path.join(FX, f)));
    expect(at('meminfo-4g')).toMatchObject({ status: 0, stdout: '2778 MiB of memory available\n' });
    expect(at('meminfo-busy')).toMatchObject({ status: 1, stdout: '512 MiB of memory available: the agent needs 1 GiB (1024 MiB) of its own\n' });
    expect(at('meminfo-old-kernel')).toMatchObject({ status: 1, stdout: '768 MiB of memory available: the agent needs 1 GiB (1024 MiB) of its own\n' });
  });

  it('CPU: faster than 2 GHz (the cpufreq maximum, else the fastest cpu MHz); a speed not reported is said', () => {
    const text = scriptText(check(plan(), 'one vCPU faster than 2 GHz').command);
    const at = (cpuinfo: string, freq = 'missing') => run('sh', text.replace('/proc/cpuinfo', path.join(FX, cpuinfo)).replace('/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq', path.join(FX, freq)));
    const n = spawnSync('getconf', ['_NPROCESSORS_ONLN'], { encoding: 'utf8' }).stdout.trim();
    expect(at('cpuinfo-2vcpu-2400')).toMatchObject({ status: 0, stdout: `${n} vCPU at 2394 MHz\n` });
    expect(at('cpuinfo-1800')).toMatchObject({ status: 1, stdout: `${n} vCPU at 1800 MHz: the guide asks for more than 2 GHz\n` });
    expect(at('cpuinfo-arm')).toMatchObject({ status: 1, stdout: `${n} vCPU, speed not reported: the guide asks for more than 2 GHz\n` });
    expect(at('cpuinfo-arm', 'cpufreq-max-2600000')).toMatchObject({ status: 0, stdout: `${n} vCPU at 2600 MHz\n` });
  });

  it("free space: at Docker's own data root (docker info), said when Docker does not answer", () => {
    const text = scriptText(check(plan(), "free space at Docker's data root").command);
    expect(text).toContain("root=$(d info --format '{{.DockerRootDir}}')");
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-docker-root-'));
    const answering = run('bash', `docker() { [ "$1" = info ] && echo ${root}; }; sudo() { return 1; }; ${text}`);
    expect(answering.stdout).toMatch(new RegExp(`^\\d+ MiB free at Docker's data root ${root}(: the image and a year of its logs need 1280 MiB)?\\n$`));
    expect(run('bash', `docker() { return 1; }; sudo() { return 1; }; ${text}`)).toMatchObject({ status: 1, stdout: "docker does not answer (docker info): Docker's data root is unknown\n" });
  });
});

describe('tetra-relay: the platform-side steps, the IMAGE ID, the troubleshooting', () => {
  it('asks for the TDP agent (User Defined Agent, Not Now) and its queue and connection first, as instructions', () => {
    const p = plan();
    expect(step(p, 'tdp-agent').action).toMatchObject({ kind: 'instruction', text: expect.stringContaining('As the Agent Type choose User Defined Agent; after Create Agent on Platform, choose Not Now') });
    expect(step(p, 'tdp-agent').inferred).toBeUndefined();
    expect(step(p, 'tdp-enable').action).toMatchObject({ kind: 'instruction', text: expect.stringContaining("Enable the Agent's Queue and Enable the Agent's Connection") });
    expect(step(p, 'tdp-enable').inferred).toBe(true);
  });

  it('compares the IMAGE ID after docker load when one is given (a prefix: docker images shows 12 digits)', () => {
    expect(plan().steps.some((s) => s.id === 'image-id')).toBe(false);
    const p = plan({ imageId: 'sha256:4f9a1b2c3d4e' });
    const ids = p.steps.map((s) => s.id);
    expect(ids.indexOf('image-id')).toBe(ids.indexOf('load') + 1);
    const s = step(p, 'image-id');
    expect(s.inferred).toBe(true);
    expect(s.onFailure?.hint).toContain('it is not started');
    const text = s.action.kind === 'exec' ? scriptText(s.action.command) : '';
    const loaded = (id: string) => run('bash', `docker() { echo ${id}; }; ${text}`);
    const full = 'sha256:4f9a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8';
    expect(loaded(full)).toMatchObject({ status: 0, stdout: `IMAGE ID ${full} is TetraScience's (4f9a1b2c3d4e)\n` });
    expect(loaded('sha256:0000000000005f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8')).toMatchObject({ status: 1, stdout: 'IMAGE ID mismatch: expected 4f9a1b2c3d4e, docker loaded sha256:0000000000005f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8\n' });
    expect(() => plan({ imageId: '4f9a' })).toThrow(/imageId/);
  });

  it("turns the guide's troubleshooting into diagnoses, and the init step's log scan finds the same lines (and not a healthy agent's)", () => {
    const s = step(plan(), 'init');
    if (s.action.kind !== 'exec') throw new Error('not exec');
    const diagnosis = s.action.diagnosis;
    const errs = /errs='([^']*)'/.exec(scriptText(s.action.command))?.[1] ?? '';
    const lines: Array<[string, string]> = [
      ['2024-05-01T10:00:02Z ERROR failed to receive messages from SQS queue: AWS.SimpleQueueService.NonExistentQueue', 'agent_queue'],
      ['QueueDoesNotExist: access denied to queue https://sqs.us-east-2.amazonaws.com/1/agent', 'agent_queue'],
      ['Error: Agent is disabled', 'agent_disabled'],
      ['Request failed with status code 401', 'bad_credentials'],
      ['command failed: statusCode 407 Proxy Authentication Required', 'proxy_failed'],
      ['command failed: statusCode 503', 'proxy_failed'],
      ['connect ECONNREFUSED 10.0.0.5:8443', 'network_unreachable'],
      ['Error: connect ECONREFUSED 10.0.0.5:8443', 'network_unreachable'],
      ['getaddrinfo ENOTFOUND lims.lab.example', 'network_unreachable'],
      ['request to http://10.0.0.5/ failed, reason: ETIMEDOUT', 'network_unreachable'],
    ];
    for (const [line, code] of lines) {
      expect(diagnosis.find((d) => new RegExp(d.pattern).test(line))?.code, line).toBe(code);
      expect(run('bash', `printf '%s\\n' "$1" | grep -Eiq '${errs}'`.replace('"$1"', `'${line.replace(/'/g, '')}'`)).status, line).toBe(0);
    }
    for (const line of ['init Succeeded: relay agent started for acme-lab/agent-42', 'polling the command queue every 5 s', 'health status posted to the TDP']) {
      expect(diagnosis.find((d) => new RegExp(d.pattern).test(line))?.code, line).toBeUndefined();
      expect(run('bash', `printf '%s\\n' '${line}' | grep -Eiq '${errs}'`).status, line).toBe(1);
    }
    expect(diagnosis.find((d) => d.code === 'agent_queue')?.hint).toBe("The agent cannot use its SQS queue: in the TDP's Agents page, Enable the Agent's Queue for 6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f; if it is enabled, check that the host's network lets the agent reach the TDP (https://api.tetrascience.com).");
  });

  it("the verify's checks say what to do when they fail", () => {
    const v = step(plan(), 'verify').action;
    expect(v.kind === 'probe' && v.probes.map((x) => ('hint' in x ? x.hint : ''))).toEqual([
      'The container ts-agent-http-relay is not running: docker logs ts-agent-http-relay says why (an exit-restart loop usually means invalid API_TARGET, ORG_SLUG or AGENT_ID).',
      'No init line in docker logs ts-agent-http-relay: read it (SQS queue errors: enable the agent\'s queue; disabled: enable its connection; 401/403: ORG_SLUG or the JWT).',
    ]);
  });
});

describe('writeFile content pieces with when: (schema)', () => {
  const text = fs.readFileSync(path.join(RESOURCES, 'profiles', 'tetra-relay.yaml'), 'utf8');
  it('a { text, when } piece and a secret with when: are accepted; an unknown condition or placeholder is a problem with its line', () => {
    expect('profile' in parseProfile(text, 'tetra-relay.yaml')).toBe(true);
    const bad = parseProfile(text.replace('{ text: "http_proxy={httpProxy}\\n", when: httpProxy }', '{ text: "http_proxy={httpProxi}\\n", when: httpProxi }'), 'x.yaml');
    expect('problems' in bad && bad.problems.join('\n')).toMatch(/x\.yaml:\d+: linux\.steps\[env-file\]\.action\.writeFile\.content\[6\]\.when: unknown condition httpProxi/);
    expect('problems' in bad && bad.problems.join('\n')).toMatch(/content\[6\]\.text: unknown placeholder \{httpProxi\}/);
  });
});
