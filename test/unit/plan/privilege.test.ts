import { describe, expect, it } from 'vitest';
import type { Probe } from '../../../electron/common/api/plan';
import { planFromAnswers, type Answers, type Plan } from '../../../electron/core/plan';
import { parseProfile } from '../../../electron/core/profiles';
import { example, profiles, regions } from './helpers';

// A profile whose steps all run as the login user, in its home (the batch bench's, an agent kept per user).
const USER_ONLY = `schema: 2
id: user-only
name: User only
description: Everything in the login user's home.
os: [linux]
connectivity: [direct]
linux:
  shell: bash
  installDir: /opt/user-only
  steps:
    - id: marker
      phase: install
      title: { en: "Write the marker" }
      action: { exec: { root: false, script: [echo, ok, { op: ">" }, marker], exitCode: 0 } }
`;

const profile = (() => {
  const r = parseProfile(USER_ONLY, 'user-only.yaml');
  if (!('profile' in r)) throw new Error(r.problems.join('\n'));
  return r.profile;
})();

const answers = (id: string): Answers => ({ profile: id, os: 'linux', connectivity: { mode: 'direct', accessIp: '127.0.0.1' }, targets: [{ host: '127.0.0.1', user: 'u', auth: { agent: true } }] }) as unknown as Answers;
const preflightKinds = (p: Plan): string[] => {
  const s = p.steps.find((x) => x.id === 'preflight' && x.on === 'targets');
  if (s?.action.kind !== 'probe') throw new Error('no preflight probe step');
  return s.action.probes.map((x: Probe) => x.kind);
};

describe('preflight asks for root or sudo only when a target step needs it', () => {
  it('a profile whose steps all run as the login user is not refused for lacking sudo', () => {
    const p = planFromAnswers(answers('user-only'), { profiles: [profile], regions });
    expect(preflightKinds(p)).not.toContain('privilege');
    expect(preflightKinds(p)).toContain('disk');
  });

  it('a profile with root steps still checks root or sudo first', () => {
    const built = planFromAnswers(example('linux-direct.yaml'), { profiles, regions });
    expect(preflightKinds(built)).toContain('privilege');
  });
});
