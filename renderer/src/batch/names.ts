// How a target is named and matched, kept apart from the batch's live state (no API here: the plan's
// texts and the unit tests use it too).

interface Target {
  host: string;
  port: number;
  user: string;
  name?: string | undefined;
}

/** How people read a target everywhere (table, summary, result): its CSV `name`, else `user@host:port` — never a number that renumbers. */
export function targetName(t: Target): string {
  return t.name?.trim() ? t.name : `${t.user}@${t.host.includes(':') ? `[${t.host}]` : t.host}:${t.port}`;
}

/** A target's address (`user@host:port`): what says "the same host" across runs and edits of its password or name. */
export const addressKey = (t: Omit<Target, 'name'>): string => `${t.user}@${t.host}:${t.port}`;
