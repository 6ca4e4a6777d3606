// What the wizard asks follows each profile's own data (issue 23 "Questions that fit the agent"): the
// access address only where a template or a port uses it, the DC name only with {dc}, the installer
// SHA-256 only where an OS section downloads one; the plan requires the access address of exactly those.
import { describe, expect, it } from 'vitest';
import { planFromAnswers, PlanError, type Answers } from '../../../electron/core/plan';
import { profileUses } from '../../../electron/core/profiles';
import { example, profiles, regions } from '../plan/helpers';

const byId = (id: string) => {
  const p = profiles.find((x) => x.id === id);
  if (!p) throw new Error(`${id} missing`);
  return p;
};

describe('profileUses', () => {
  it('reads from each shipped profile what it uses of the answers', () => {
    // ICAgent on Windows installs from the package: nothing downloaded, no installer SHA-256 asked.
    expect(profileUses(byId('icagent'))).toEqual({ accessIp: true, dc: true, download: ['linux'] });
    expect(profileUses(byId('aops-agent'))).toMatchObject({ accessIp: true, dc: false, download: [] });
    expect(profileUses(byId('nova-agent'))).toEqual({ accessIp: false, dc: false, download: [] });
    expect(profileUses(byId('tetra-relay'))).toEqual({ accessIp: false, dc: false, download: [] });
    // Cloudpods writes to the proxy VM's address (connectionIp), never to an access address.
    expect(profileUses(byId('cloudpods-telegraf'))).toMatchObject({ accessIp: false, dc: false });
  });
});

describe('the direct access address in the plan', () => {
  const plan = (a: Answers) => planFromAnswers(a, { profiles, regions });

  it('is not needed by an agent that reports to no address (nova-agent, Tetra)', () => {
    for (const f of ['nova-agent-linux.yaml', 'tetra-relay.yaml']) {
      const a = example(f);
      expect(a.connectivity).toEqual({ mode: 'direct' });
      expect(plan(a).values.accessIp ?? '').toBe('');
    }
  });

  it('is required, naming the field, of an agent that uses it (aops-agent registers with it)', () => {
    const a = structuredClone(example('aops-agent.yaml'));
    if (a.connectivity.mode === 'direct') delete a.connectivity.accessIp;
    let err: unknown;
    try {
      plan(a);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlanError);
    expect((err as PlanError).problems).toContainEqual(expect.objectContaining({ path: 'connectivity.accessIp', message: expect.stringContaining('is required') as unknown }));
  });
});
