// The app's Installed view: every host Outpost installed (`outpost inventory`, from the journals), the
// jump servers they are reached through with each tunnel's last checked state, and the view's actions
// on chosen hosts — each an ordinary run (the batch view, its report, its retry) of the answers the
// hosts were installed with.
import { z } from 'zod';
import { request } from './define';
import { BatchTarget } from './batch';
import { RunId } from './run';

export const InstalledHost = z.object({
  address: z.string(),
  name: z.string().nullable(),
  profile: z.string(),
  profileVersion: z.string().nullable(),
  os: z.string(),
  jump: z.string().nullable(),
  installedAt: z.string(),
  answers: z.string().nullable(),
  lastCheck: z.object({ state: z.string(), at: z.string(), reason: z.string().nullable() }).nullable(),
  uninstalledAt: z.string().nullable(),
  state: z.enum(['installed', 'removed']),
  installRun: z.string(),
});
export type InstalledHost = z.infer<typeof InstalledHost>;

export const InstalledJump = z.object({
  address: z.string(),
  hosts: z.number().int(),
  tunnel: z.enum(['up', 'down', 'unknown']),
  reason: z.string().nullable(),
  checkedAt: z.string().nullable(),
});
export type InstalledJump = z.infer<typeof InstalledJump>;

const Address = z.string().min(3).max(400);
const HostRef = z.object({ profile: z.string().min(1).max(100), address: Address }).strict();

export const installedRequests = {
  'installed.list': request({
    summary: "Every host Outpost installed (as `outpost inventory --json`) and the jump servers they are reached through, each tunnel as the last check found it.",
    input: z.object({}).strict(),
    output: z.object({ hosts: z.array(InstalledHost), jumps: z.array(InstalledJump) }),
  }),
  'installed.run': request({
    summary: 'Check now, Reinstall or Uninstall chosen hosts, or Repair a jump server\'s tunnel: an ordinary run of the answers they were installed with.',
    input: z.union([
      z.object({ action: z.enum(['check', 'uninstall', 'reinstall']), hosts: z.array(HostRef).min(1).max(100_000) }).strict(),
      z.object({ action: z.literal('repair'), jump: Address }).strict(),
    ]),
    output: z.object({ runId: RunId, terminalId: z.string(), journal: z.string(), targets: z.array(BatchTarget), concurrency: z.number().int(), answers: z.record(z.string(), z.unknown()) }),
  }),
  'installed.terminal': request({
    summary: 'Open a login shell over SSH on an installed host (through its jump server), with the answers it was installed with.',
    input: z.object({ host: HostRef, cols: z.number().int().min(2).max(1000), rows: z.number().int().min(1).max(500) }).strict(),
    output: z.object({ id: z.string(), shell: z.string() }),
  }),
};

export const installedEvents = {};
