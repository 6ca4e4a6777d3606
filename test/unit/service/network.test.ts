// The network of the answers' plan (plan.network): each jump server's forwarded ports from the plan's
// forward actions and the security-group rule from its sg-rule step, also while answers are missing
// (what is not known yet is null, never a stand-in the user did not give).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { planRequests } from '../../../electron/common/api/plan';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { networkOf, OutpostService, planNetwork } from '../../../electron/core/service';
import { example, RESOURCES } from '../plan/helpers';

const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-network-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });
const answers = (file: string) => structuredClone(example(file)) as unknown as Record<string, unknown>;
const conn = (a: Record<string, unknown>) => a.connectivity as Record<string, unknown> & { jumpServers: Array<Record<string, unknown>> };

describe('networkOf / planNetwork', () => {
  it("complete answers: the plan's forwards per jump server, overrides applied, and its security-group table", () => {
    const a = answers('linux-jump.yaml');
    const n = planNetwork(service, a);
    expect(planRequests['plan.network'].output.safeParse(n).success).toBe(true);
    expect(n.complete).toBe(true);
    // The forward step's forwards, every one of them, for jump0.
    const plan = service.plan(a);
    const forward = plan.steps.find((s) => s.action.kind === 'forward' && s.on === 'jump0')?.action;
    expect(forward?.kind === 'forward' ? forward.forwards.map((f) => f.name) : []).toEqual(n.forwards.map((f) => f.name));
    expect(n.forwards.find((f) => f.port === 80)).toEqual({ jump: 'jump0', name: 'icagent-obs', port: 80, listenHost: '192.168.0.10', listenPort: 8080, targetHost: 'icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com', targetPort: 80, direction: 'local' });
    expect(n.forwards.find((f) => f.port === 8149)).toMatchObject({ listenHost: '192.168.0.10', listenPort: 8149, targetHost: '100.125.12.150', targetPort: 8149 });
    const sg = plan.steps.find((s) => s.id === 'sg-rule')?.action;
    expect(n.securityGroup?.table).toEqual(sg?.kind === 'instruction' ? sg.table : null);
    expect(n.securityGroup?.table.rows[0]?.[2]).toContain('8080');
    expect(networkOf(plan)).toEqual({ forwards: n.forwards.map((f) => ({ ...f, port: f.listenPort })), securityGroup: { table: n.securityGroup?.table, ownDescription: false } });
  });

  it("the security-group description in each UI language the profile writes it in (the seed's Table 2 / Table 3 per OS)", () => {
    const linux = planNetwork(service, answers('linux-jump.yaml')).securityGroup?.table;
    expect(linux?.rows[0]?.[4]).toMatch(/^Ports used by ICAgent to send data to the jump server/);
    expect(linux?.l10n?.['zh-CN']?.[0]?.[4]).toContain('跳板机');
    expect(linux?.l10n?.fr?.[0]?.[4]).toContain('serveur de rebond');
    // Only the description differs between the languages.
    expect(linux?.l10n?.['zh-CN']?.[0]?.slice(0, 4)).toEqual(linux?.rows[0]?.slice(0, 4));
    const windows = planNetwork(service, answers('windows-jump.yaml')).securityGroup?.table;
    expect(windows?.rows[0]?.[4]).toBe('ICAgent will send data to the jump server through the listed ports.');
    expect(windows?.l10n?.['zh-CN']?.[0]?.[4]).toBe('ICAgent 将通过所列端口向跳板机发送数据。');
  });

  it('several jump servers: each listens on its own private IP', () => {
    const n = planNetwork(service, answers('windows-jump.yaml'));
    expect([...new Set(n.forwards.map((f) => `${f.jump} ${f.listenHost ?? ''}`))]).toEqual(['jump0 192.168.0.10', 'jump1 192.168.0.11']);
  });

  it('a remote forward (ssh -R from the proxy) listens on the jump server too', () => {
    const n = planNetwork(service, answers('cloudpods-telegraf.yaml'));
    expect(n.forwards).toEqual([{ jump: 'jump0', name: 'influxdb', port: 12345, listenHost: '172.31.25.194', listenPort: 12345, targetHost: '10.127.40.251', targetPort: 30086, direction: 'remote' }]);
    expect(n.securityGroup?.ownDescription).toBe(true);
  });

  it('answers still being filled in: what is given shows, what is missing is null, invalid values are left out', () => {
    const a = answers('linux-jump.yaml');
    const c = conn(a);
    c.jumpServers = [{ ssh: { port: 22 } }, { privateIp: '10.0.0.2', ssh: { port: 22 } }];
    delete c.elbIp;
    delete c.connectionIp;
    c.portOverrides = { '80': { listen: 'eighty' }, '8149': { listen: 9000 } };
    c.allowFrom = ['10.0.0.0/8', '10.1'];
    a.inputs = { projectId: 'not a project id' };
    a.targets = [];
    const n = planNetwork(service, a);
    expect(n.complete).toBe(false);
    expect(n.forwards.find((f) => f.jump === 'jump0' && f.port === 8149)).toMatchObject({ listenHost: null, listenPort: 9000, targetHost: null, targetPort: 8149 });
    expect(n.forwards.find((f) => f.jump === 'jump1' && f.port === 8149)).toMatchObject({ listenHost: '10.0.0.2', listenPort: 9000, targetHost: null });
    // Port 80's override is not a number yet: the default port; its destination is not the ELB.
    expect(n.forwards.find((f) => f.jump === 'jump0' && f.port === 80)).toMatchObject({ listenPort: 80, targetHost: 'icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com' });
    expect(n.securityGroup?.table.rows).toEqual([['Inbound', 'TCP', '9000, 8102, 8923, 30200, 30201, 80', '10.0.0.0/8', expect.any(String)]]);
    // No stand-in address ever shows.
    expect(JSON.stringify(n)).not.toContain('192.0.2.');
  });

  it("the rule's sources: the targets' addresses unless allowFrom says otherwise, also while answers are missing", () => {
    const a = answers('linux-jump.yaml');
    a.targets = [{ host: '10.1.0.21', port: 22, user: 'root', agent: true }, { host: '10.1.0.22', port: 22, user: 'root', agent: true }];
    const sources = (n: ReturnType<typeof planNetwork>) => n.securityGroup?.table.rows.map((r) => r[3]);
    const full = planNetwork(service, a);
    expect(full.complete).toBe(true);
    const plan = service.plan(a);
    const sg = plan.steps.find((s) => s.id === 'sg-rule')?.action;
    expect(sources(full)).toEqual(sg?.kind === 'instruction' ? sg.table?.rows.map((r) => r[3]) : []);
    expect(sources(full)).toEqual(['10.1.0.21/32', '10.1.0.22/32']);
    delete conn(a).elbIp;
    expect(sources(planNetwork(service, a))).toEqual(sources(full));
    conn(a).allowFrom = ['10.0.0.0/8'];
    expect(sources(planNetwork(service, a))).toEqual(['10.0.0.0/8']);
  });

  it('nothing to forward without jump servers; nothing known without a profile', () => {
    expect(planNetwork(service, answers('linux-direct.yaml'))).toEqual({ forwards: [], securityGroup: null, complete: true });
    const a = answers('linux-jump.yaml');
    a.profile = 'no-such-profile';
    expect(planNetwork(service, a)).toEqual({ forwards: [], securityGroup: null, complete: false });
  });
});
