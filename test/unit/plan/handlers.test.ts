import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { planRequests } from '../../../electron/common/api/plan';
import { planHandlers } from '../../../electron/core/api/handlers/plan';
import type { Client } from '../../../electron/core/client';
import type { CoreContext } from '../../../electron/core/context';
import { OutpostError } from '../../../electron/core/errors';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { EXAMPLES, RESOURCES } from './helpers';

const ctx: CoreContext = {
  appName: 'Outpost',
  version: 'test',
  mode: 'browser',
  locale: 'en',
  dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-h-')),
  resourcesDir: RESOURCES,
  log: silentLogger,
  secrets: new SecretRegistry(),
};
const client = {} as Client;
const h = planHandlers(ctx, new OutpostService(ctx, { profilesDir: path.join(ctx.dataDir, 'profiles') }));

describe('plan API handlers', () => {
  it('plan.build returns a masked plan that satisfies the contract', async () => {
    const answers = YAML.parse(fs.readFileSync(path.join(EXAMPLES, 'windows-jump.yaml'), 'utf8')) as Record<string, unknown>;
    const input = planRequests['plan.build'].input.parse({ answers });
    const out = await h['plan.build'](input, client);
    expect(planRequests['plan.build'].output.safeParse(out).success).toBe(true);
    expect(out.plan.steps.map((s) => s.id)).toContain('lb-listeners');
    expect(out.warnings).toEqual(out.plan.warnings);
  });

  it('plan.build refuses invalid answers with one line per problem and a hint', async () => {
    const answers = YAML.parse(fs.readFileSync(path.join(EXAMPLES, 'linux-jump.yaml'), 'utf8')) as Record<string, unknown>;
    (answers.inputs as Record<string, unknown>).sk = 'literal';
    delete answers.region;
    let e: unknown;
    try {
      await h['plan.build']({ answers }, client);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(OutpostError);
    expect((e as OutpostError).code).toBe('answers.invalid');
    expect((e as OutpostError).message.split('\n')).toEqual(['region: is required', expect.stringMatching(/^inputs\.sk: a secret cannot be written/)]);
    expect((e as OutpostError).message).not.toContain('literal');
  });

  it('profiles.list and regions.list', async () => {
    const p = await h['profiles.list']({}, client);
    expect(p.profiles.map((x) => x.id)).toEqual(['aops-agent', 'cloudpods-telegraf', 'icagent', 'nova-agent', 'tetra-relay']);
    const icagent = p.profiles.find((x) => x.id === 'icagent');
    expect(icagent).toEqual(expect.objectContaining({ id: 'icagent', os: ['linux', 'windows'], connectivity: ['jump', 'vpcep', 'direct'], recommended: true }));
    expect(icagent?.ports.map((x) => x.port)).toEqual([8149, 8102, 8923, 30200, 30201, 80]);
    expect(icagent?.ports.find((x) => x.download)).toMatchObject({ port: 80, to: 'icagent-{region}.{obsDomain}' });
    expect(planRequests['profiles.list'].output.safeParse(p).success).toBe(true);
    const r = await h['regions.list']({}, client);
    expect(r.regions.find((x) => x.id === 'cn-north-4')).toMatchObject({ id: 'cn-north-4', nameEn: 'CN North-Beijing4', nameZh: '华北-北京四', obsDomain: 'obs.cn-north-4.myhuaweicloud.com' });
    expect(planRequests['regions.list'].output.safeParse(r).success).toBe(true);
  });

  it('profiles.openFolder creates the folder, opens it where the host can (desktop), and only says where it is in browser mode', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-h-open-'));
    const folder = path.join(dataDir, 'profiles');
    const browser = planHandlers({ ...ctx, dataDir }, new OutpostService({ ...ctx, dataDir }));
    expect(await browser['profiles.openFolder']({}, client)).toEqual({ folder, opened: false });
    expect(fs.statSync(folder).isDirectory()).toBe(true);
    const opened: string[] = [];
    const desktop = planHandlers({ ...ctx, dataDir, mode: 'electron', openPath: async (p) => (opened.push(p), '') }, new OutpostService({ ...ctx, dataDir }));
    expect(await desktop['profiles.openFolder']({}, client)).toEqual({ folder, opened: true });
    expect(opened).toEqual([folder]);
    const failing = planHandlers({ ...ctx, dataDir, mode: 'electron', openPath: async () => 'no file manager' }, new OutpostService({ ...ctx, dataDir }));
    const r = await failing['profiles.openFolder']({}, client);
    expect(r).toEqual({ folder, opened: false, error: 'no file manager' });
    expect(planRequests['profiles.openFolder'].output.safeParse(r).success).toBe(true);
  });
});
