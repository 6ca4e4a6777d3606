// The run engine: scheduler (when), host jobs (what, on one host), reporter (what is said and kept).
export { startRun, newRunId, type RunDeps, type RunHandle } from './run';
export type { RunOptionsResolved } from './host-job';
export type { HostResult, ReportHost, RunEnd, RunEmit } from './reporter';
export { missingSecrets } from './secrets';
export { PauseGate, pool, withBackoff } from './scheduler';
export { outcomeOf } from '../actions';
export { leftOut, localHostName, scheduleOf, type ScheduleOptions } from './schedule';
