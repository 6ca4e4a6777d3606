import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import type { Plan } from '../../../electron/common/api';
import { exportAnsible, type AnsibleExport, type AnsibleExportOptions } from '../../../electron/core/export';
import { silentLogger } from '../../../electron/core/log/logger';
import { loadAnswersFile } from '../../../electron/core/plan';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';

export const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
export const RESOURCES = path.join(ROOT, 'resources');
/** The interpreter Debian's Ansible runs with (it has Jinja2 and ansible.module_utils). */
export const PYTHON = '/usr/bin/python3';
export const hasAnsiblePython = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import jinja2, ansible.module_utils.basic'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A service with its own data folder and, optionally, a user profiles folder holding `profiles`. */
export function service(profiles: Record<string, string> = {}): OutpostService {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-export-unit-'));
  const dir = path.join(dataDir, 'profiles');
  fs.mkdirSync(dir);
  for (const [name, text] of Object.entries(profiles)) fs.writeFileSync(path.join(dir, name), text);
  return new OutpostService({ dataDir, resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() }, { profilesDir: dir });
}

export function examplePlan(name: string, patch: (a: Record<string, unknown>) => void = () => undefined): Plan {
  const r = loadAnswersFile(path.join(RESOURCES, 'examples', name));
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  const a = JSON.parse(JSON.stringify(r.answers)) as Record<string, unknown>;
  patch(a);
  return service().plan(a);
}

export const KEY = { line: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBp4Q2cYh1ZfJ0XxB5R0c1m4s3E6a9e8QeX2mW9bKq7s', fingerprint: 'SHA256:test' };

export function exportOf(plan: Plan, opts: Partial<AnsibleExportOptions> = {}): AnsibleExport {
  const hostKeys = Object.fromEntries([...plan.hosts.jumps, ...plan.hosts.targets].map((h) => [h.id, [KEY]]));
  return exportAnsible(plan, { hostKeys, version: 'test', packages: { byLocal: new Map(), byRemote: new Map(), checkedArchives: new Set() }, ...opts });
}

/** site.yml as data (the !unsafe tag kept visible as a prefix). */
export function playbook(x: AnsibleExport): Array<{ name: string; hosts: string; tasks: Task[] }> {
  return YAML.parse(x.files['site.yml'] ?? '', { customTags: [{ tag: '!unsafe', resolve: (s: string) => `!unsafe ${s}` }] }) as Array<{ name: string; hosts: string; tasks: Task[] }>;
}

export type Task = Record<string, unknown> & { name: string; block?: Task[]; always?: Task[] };

export function allTasks(x: AnsibleExport): Task[] {
  const flat = (ts: Task[]): Task[] => ts.flatMap((t) => [t, ...flat(t.block ?? []), ...flat(t.always ?? [])]);
  return playbook(x).flatMap((p) => flat(p.tasks));
}

export function task(x: AnsibleExport, name: string): Task {
  const t = allTasks(x).find((k) => k.name === name || k.name === `!unsafe ${name}`);
  if (!t) throw new Error(`no task "${name}" in: ${allTasks(x).map((k) => k.name).join(' | ')}`);
  return t;
}
