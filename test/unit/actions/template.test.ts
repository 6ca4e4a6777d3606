// Per-host values are filled by one function, over every template string of every action kind — the
// paths of upload, unpack, writeFile and editIni included (they were not, and every host of a batch wrote
// into one folder literally named `{host.address}`) — and never into shell syntax, secrets or facts.
import { describe, expect, it } from 'vitest';
import type { Action, Step } from '../../../electron/common/api/plan';
import { fillAction, fillStep, hostValues, mapTemplates } from '../../../electron/core/actions';
import { escapeLiteral, hostSentinel } from '../../../electron/core/actions/jinja';

const v = hostValues('target3', { address: '10.0.0.7', name: 'db-7' });
const secret = { secret: { env: 'OUTPOST_TOKEN' }, name: 'token' };

const actions: Action[] = [
  { kind: 'upload', from: '/pkgs/{host.name}.tgz', to: '/opt/{host.address}/a.tgz', sha256: null, mode: 0o644, root: true },
  { kind: 'unpack', archive: '/opt/{host.address}/a.tgz', dest: '/opt/{host.address}/a', format: 'tar.gz', sha256: null, root: true },
  { kind: 'writeFile', path: '/etc/{host.name}.conf', content: ['host={host.name}\n', secret], mode: 0o600, transient: false, escape: 'none', root: true },
  { kind: 'editIni', path: '/etc/{host.name}.ini', set: [{ section: 's', key: 'ip', value: '{host.address}' }], root: true },
  { kind: 'exec', shell: 'bash', command: ['echo', '{host.address}', { op: 'echo {host.address} &&' }, { fact: 'hostkey.jump0' }, secret], success: {}, failureMarkers: [], timeoutSec: 5, interactive: false, root: false, diagnosis: [] },
  { kind: 'probe', probes: [{ kind: 'http', name: 'api on {host.name}', url: 'http://{host.address}:8080/', status: [200] }] },
];

describe('per-host values', () => {
  it('fill every path, content, value and word of every action kind', () => {
    const filled = actions.map((a) => JSON.stringify(fillAction(a, v)));
    expect(filled[0]).toContain('"from":"/pkgs/db-7.tgz","to":"/opt/10.0.0.7/a.tgz"');
    expect(filled[1]).toContain('"archive":"/opt/10.0.0.7/a.tgz","dest":"/opt/10.0.0.7/a"');
    expect(filled[2]).toContain('"path":"/etc/db-7.conf","content":["host=db-7\\n"');
    expect(filled[3]).toContain('"path":"/etc/db-7.ini"');
    expect(filled[3]).toContain('"value":"10.0.0.7"');
    expect(filled[5]).toContain('"name":"api on db-7","url":"http://10.0.0.7:8080/"');
  });

  it('leave shell syntax (op), secret references and facts as written', () => {
    const e = fillAction(actions[4] as Action, v);
    if (e.kind !== 'exec') throw new Error('exec');
    expect(e.command).toEqual(['echo', '10.0.0.7', { op: 'echo {host.address} &&' }, { fact: 'hostkey.jump0' }, secret]);
  });

  it('fill a step title and its guard probes too', () => {
    const s = { id: 'x', title: 'Install on {host.name}', guard: { probes: [{ kind: 'process', name: 'agent', match: '/opt/{host.address}/bin' }], says: 'ok' }, action: actions[0] } as unknown as Step;
    const f = fillStep(s, v);
    expect(f.title).toBe('Install on db-7');
    expect(f.guard?.probes).toEqual([{ kind: 'process', name: 'agent', match: '/opt/10.0.0.7/bin' }]);
  });

  it('refuse a host value a command or a file cannot take as it is', () => {
    expect(() => hostValues('target1', { address: '10.0.0.1', name: 'web 1;rm' })).toThrow(/\{host\.name\} of target1 is "web 1;rm"/);
  });

  it('the export fills the same fields with the host variable, and nothing else', () => {
    const a = mapTemplates(actions[0] as Action, (s) => s.replace(/\{(host\.[a-z]+)\}/g, (_m, k: string) => hostSentinel(k)));
    if (a.kind !== 'upload') throw new Error('upload');
    expect(escapeLiteral(a.to)).toBe('/opt/{{ outpost_host_address }}/a.tgz');
    expect(escapeLiteral('echo {host.address}')).toBe("echo {{ '{' }}host.address}");
  });
});
