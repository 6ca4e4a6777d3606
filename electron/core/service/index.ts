// The one service layer every face calls: Electron IPC and browser mode (through the dispatcher's
// handlers), the CLI and the demo. Nothing outside core imports another core folder for what is here
// (lint enforces it): this file is the door.
export { OutpostService, formatProblem, PlanError, type ServiceOptions } from './outpost';
// ---- The door: what the faces (CLI, Electron main, browser mode, demo) use of the core -------------
export { addressOf, batchReport, DEFAULT_PASSWORD_ENV, doneInReport, prepareBatch, prepareInherited, recordDoneEarlier, writeReport, type BatchInput, type BatchReport, type InheritedBatchInput, type Prepared } from './batch';
export { RunService } from './runs';
export { failureField } from './failure-field';
export { networkOf, planNetwork } from './network';
export { csvField, reportCsv, runReport, type RunReport } from './report';
export { HostKeyBroker } from './hostkeys';
export { envResolver, loadAnswersFile, probeText, renderStep, type Answers } from '../plan';
export { leftOut, missingSecrets, scheduleOf, type RunEnd, type RunHandle, type ReportHost, type ScheduleOptions } from '../run';
export { readJournalState } from '../run/journal';
export { formatProblems, parseHostList, type HostEntry } from '../../common/hosts';
export { exportAnsibleToFolder, fetchHostKeys, verifiedHostKeys } from '../export';
export { unpackArchive, type UnpackProgress } from '../packages/unpack';
export { inLang, loadProfiles, parseProfile, profileDirs, type ConsoleCommandResult, type Profile } from '../profiles';
export { secretHint } from '../secrets/store';
export type { HostKeyInfo, HostKeyPolicy } from '../ssh';
export { CHECK_STATES, checkReport, checkVerdicts, inventory, inventoryOf, prepareLifecycle, recordVerdicts, uninstallReport, UNINSTALL_STATES, type CheckReport, type CheckState, type InventoryHost, type InventoryJump, type LifecycleInput, type LifecycleKind } from './lifecycle';
export { checkPlan, uninstallPlan, untunnelPlan } from '../plan';
export { installedAnswers, installedPlan, writeAnswersRecord, type InstalledAction } from './installed';
