// The action registry: every kind of the Plan's action union and its module. The mapped type makes a
// new kind without a module (validation, run, Ansible form) a compile error; test/unit/actions checks
// the same at run time.
import type { Action } from '../../common/api/plan';
import type { AnsibleStep, Task } from './ansible-kit';
import { editIni } from './edit-ini';
import { exec } from './exec';
import { fetchAction } from './fetch';
import { forward } from './forward';
import { instruction } from './instruction';
import { probe } from './probe';
import type { ActionModule, ActionRegistry, StepContext, StepOutcome } from './types';
import { unpack } from './unpack';
import { upload } from './upload';
import { writeFile } from './write-file';

export const ACTIONS: ActionRegistry = { instruction, exec, writeFile, editIni, upload, unpack, forward, probe, fetch: fetchAction };

function moduleOf<A extends Action>(a: A): ActionModule<A['kind']> {
  return ACTIONS[a.kind] as unknown as ActionModule<A['kind']>;
}

/** Plan-time problems of an action (each a sentence naming the field). */
export function validateAction(a: Action): string[] {
  return moduleOf(a).validate(a as never);
}

/** The step's display text (Review page, `outpost plan`). */
export function displayAction(a: Action): string {
  return moduleOf(a).display(a as never);
}

export function runAction(a: Action, c: StepContext): Promise<StepOutcome> {
  return moduleOf(a).run(a as never, c);
}

export function ansibleTasks(a: Action, c: AnsibleStep): Task[] {
  return moduleOf(a).ansible(a as never, c);
}

export * from './types';
export { fillAction, fillStep, fillText, hostValues, mapTemplates, usesHostValues, type HostValues } from './template';
export { outcomeOf } from './exec';
export { editIniText, type IniChange } from './edit-ini';
export { probeOn, probeText } from './probe';
export { exportedFetchPath } from './fetch';
export { runProbes, type ProbeContext, type ProbeOutcome } from './probe/run';
export { parseScQuery, explainScQuery, scQueryService, servicesNotRunning } from './probe/sc-query';
