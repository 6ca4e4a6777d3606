// What a profile uses of the answers, read from its own data: the wizard asks only that (no access
// address for an agent that reports to none, no data-center name for one that does not pass it on, no
// installer SHA-256 where nothing is downloaded).
import type { Profile } from './schema';

export interface ProfileUses {
  /** `{accessIp}` in a template, or ports forwarded to the answers' service address (reached at it directly). */
  accessIp: boolean;
  /** `{dc}` in a template. */
  dc: boolean;
  /** The OSes whose steps download an installer (options.downloadSha256 applies). */
  download: Array<'linux' | 'windows'>;
}

/** Every string of the profile's steps, checks, values and ports (not its words for people). */
function templates(p: Profile): string {
  return JSON.stringify([p.vars, p.ports, p.linux ?? null, p.windows ?? null, p.inherited ?? null]);
}

export function profileUses(p: Profile): ProfileUses {
  const t = templates(p);
  return {
    accessIp: t.includes('{accessIp}') || p.ports.some((x) => x.to === 'elb' && x.direction === 'local'),
    dc: t.includes('{dc}'),
    download: (['linux', 'windows'] as const).filter((os) => p[os]?.download !== undefined),
  };
}
