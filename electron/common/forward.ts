// How a forward is written, in one place: `listen:port:target:port` with IPv6 addresses in brackets
// (ssh's -L/-R syntax, the unit file's comments, the health checks, the Review page).
import { isIpv6 } from './validate';

/** `[v6]` where a host:port syntax needs it; other hosts as they are. */
export const bracket = (h: string): string => (isIpv6(h) ? `[${h}]` : h);

export interface ForwardLike {
  listenHost: string;
  listenPort: number;
  targetHost: string;
  targetPort: number;
}

/** `listen:port:target:port`, as ssh -L / -R takes it. */
export const forwardSpec = (f: ForwardLike): string => `${bracket(f.listenHost)}:${f.listenPort}:${bracket(f.targetHost)}:${f.targetPort}`;

/** `listen:port`. */
export const listenSpec = (f: Pick<ForwardLike, 'listenHost' | 'listenPort'>): string => `${bracket(f.listenHost)}:${f.listenPort}`;
