// Ctrl-C, `kill` (SIGTERM: what timeout, systemd and CI send) and a closed terminal (SIGHUP) all stop a
// command the same way: the run is cancelled, hosts in flight end cancelled, the journal gets its end and
// the report is written; the exit code then says which signal it was (128 + its number). A second signal
// quits at once.
import { EXIT } from './exit';

const CODES = { SIGINT: EXIT.cancelled, SIGTERM: EXIT.terminated, SIGHUP: EXIT.hangup } as const;
type Stop = keyof typeof CODES;

export interface Stopper {
  /** The exit code of the signal that stopped the command, or null. */
  readonly code: number | null;
  dispose(): void;
}

export function onStop(cancel: () => void, say: (line: string) => void): Stopper {
  let first: Stop | null = null;
  const handlers = (Object.keys(CODES) as Stop[]).map((sig) => {
    const h = () => {
      if (first) process.exit(CODES[first]);
      first = sig;
      say(sig === 'SIGINT' ? 'Cancelling… hosts in progress end cancelled (Ctrl-C again to quit at once)' : `Stopping (${sig})… hosts in progress end cancelled`);
      cancel();
    };
    process.on(sig, h);
    return [sig, h] as const;
  });
  return {
    get code() {
      return first ? CODES[first] : null;
    },
    dispose: () => handlers.forEach(([sig, h]) => process.off(sig, h)),
  };
}
