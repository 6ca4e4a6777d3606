// The Ansible export, as the CLI and the API call it: read what Outpost verified (host keys, the local
// packages the plan uploads), build the export (./ansible.ts, pure), write it to a folder.
import path from 'node:path';
import type { Plan } from '../../common/api/plan';
import { OutpostError } from '../errors';
import { checkEntries, formatEntryProblem, listArchive } from '../packages';
import { checkLocalPackages } from '../packages/plan-packages';
import type { KnownHosts } from '../ssh';
import { exportAnsible } from './ansible';
import type { AnsibleExport, AnsibleExportOptions } from './types';
import { verifiedHostKeys } from './hostkeys';
import { writeExport } from './write';

export { exportAnsible } from './ansible';
export type { AnsibleExport, AnsibleExportOptions, ExportedHost } from './types';
export { fetchHostKeys, verifiedHostKeys } from './hostkeys';
export { EXPORT_MARKER, writeExport } from './write';

/**
 * The local packages the plan uploads, checked as a run checks them before it connects (present, the
 * expected SHA-256), and each archive a later step unpacks listed and checked entry by entry (what the
 * runner checks on the host before unpacking): the playbook unpacks only an archive with that SHA-256.
 */
export async function checkExportPackages(plan: Plan, signal?: AbortSignal): Promise<NonNullable<AnsibleExportOptions['packages']>> {
  if (!plan.steps.some((s) => s.action.kind === 'upload' || s.action.kind === 'unpack')) return { byLocal: new Map(), byRemote: new Map(), checkedArchives: new Set() };
  const sums = await checkLocalPackages(plan, signal);
  const checkedArchives = new Set<string>();
  for (const s of plan.steps) {
    const a = s.action;
    if (a.kind !== 'unpack' || checkedArchives.has(a.archive)) continue;
    const up = plan.steps.find((x) => x.action.kind === 'upload' && x.action.to === a.archive);
    if (!up || up.action.kind !== 'upload') continue;
    const listing = await listArchive(up.action.from, { signal });
    const problems = checkEntries(listing.entries);
    if (problems.length) {
      const first = problems.slice(0, 3).map(formatEntryProblem).join('; ');
      throw new OutpostError('archive.unsafe', `${up.action.from} (step ${s.id}) is unsafe to unpack: ${first}${problems.length > 3 ? ` (and ${problems.length - 3} more)` : ''}.`, 'The archive could write outside its folder: get the package again from the vendor.');
    }
    checkedArchives.add(a.archive);
  }
  return { ...sums, checkedArchives };
}

export interface ExportToFolder {
  plan: Plan;
  knownHosts: KnownHosts;
  folder: string;
  version: string;
  source?: AnsibleExportOptions['source'];
  signal?: AbortSignal;
  now?: Date;
}

export async function exportAnsibleToFolder(o: ExportToFolder): Promise<AnsibleExport & { folder: string; written: string[] }> {
  if (!path.isAbsolute(o.folder)) throw new OutpostError('export.folder', `${o.folder} is not an absolute path.`, 'Give the full path of the folder to write the export to.');
  const packages = await checkExportPackages(o.plan, o.signal);
  const hostKeys = await verifiedHostKeys(o.plan, o.knownHosts);
  const exp = exportAnsible(o.plan, { hostKeys, packages, version: o.version, now: o.now ?? new Date(), source: { knownHosts: o.knownHosts.file, ...o.source } });
  const written = writeExport(o.folder, exp.files);
  return { ...exp, folder: o.folder, written };
}
