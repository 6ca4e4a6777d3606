// The tetra-relay profile (seed 002) plans to the guide's docker commands, with the parameters in an
// env file (mode 0600, removed after docker run) instead of -e flags, the optional ones only when set.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan, Step } from '../../../electron/common/api';
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
    expect([...shown.keys()]).toEqual(['connect', 'preflight', 'docker', 'upload', 'load', 'remove-old', 'env-file', 'install', 'init', 'uninstall', 'uninstall-image', 'verify']);
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

describe('writeFile content pieces with when: (schema)', () => {
  const text = fs.readFileSync(path.join(RESOURCES, 'profiles', 'tetra-relay.yaml'), 'utf8');
  it('a { text, when } piece and a secret with when: are accepted; an unknown condition or placeholder is a problem with its line', () => {
    expect('profile' in parseProfile(text, 'tetra-relay.yaml')).toBe(true);
    const bad = parseProfile(text.replace('{ text: "http_proxy={httpProxy}\\n", when: httpProxy }', '{ text: "http_proxy={httpProxi}\\n", when: httpProxi }'), 'x.yaml');
    expect('problems' in bad && bad.problems.join('\n')).toMatch(/x\.yaml:\d+: linux\.steps\[env-file\]\.action\.writeFile\.content\[6\]\.when: unknown condition httpProxi/);
    expect('problems' in bad && bad.problems.join('\n')).toMatch(/content\[6\]\.text: unknown placeholder \{httpProxi\}/);
  });
});
