// Handing the plan over to another tool: the Ansible export (an inventory and a playbook that do what
// `outpost run` does), written to a folder the user chooses. The same export as
// `outpost export ansible`; no secret value is ever written.
import { z } from 'zod';
import { request } from './define';

export const AnsibleExportResult = z.object({
  folder: z.string(),
  /** Files written, relative to the folder. */
  files: z.array(z.string()),
  targets: z.number().int(),
  /** Hosts whose host key Outpost has not verified: Ansible (StrictHostKeyChecking=yes) refuses them until it has. */
  hostsWithoutKey: z.array(z.object({ name: z.string(), label: z.string() })),
  /** Environment variables the playbook reads its secrets from. */
  env: z.array(z.object({ name: z.string(), what: z.array(z.string()) })),
  /** Inventory hosts that log in with a password (given with --ask-pass or a vault). */
  passwordHosts: z.array(z.string()),
  warnings: z.array(z.string()),
});
export type AnsibleExportResult = z.infer<typeof AnsibleExportResult>;

export const exportRequests = {
  'export.ansible': request({
    summary: 'Write the plan of these answers as an Ansible inventory and playbook into a folder (new, empty, or an earlier export).',
    input: z.object({ answers: z.record(z.string(), z.unknown()), folder: z.string().min(1).max(4096) }).strict(),
    output: AnsibleExportResult,
  }),
};

export const exportEvents = {};
