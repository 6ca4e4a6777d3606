// Running a plan for real: requests to start / cancel a run and answer host key prompts, and the
// events a run reports. Every run ends with exactly one run.end whose outcome is done, failed or cancelled.
import { z } from 'zod';
import { request } from './define';

export const RunId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const RunOptions = z
  .object({
    /** Only these targets (by index in answers.targets); all when absent. */
    targets: z.array(z.number().int().min(0)).optional(),
    /** Accept unknown host keys without asking (scripts). Changed keys are refused whatever this says. */
    acceptNewHostKeys: z.boolean().default(false),
    /** Run the install even when preflight has failures. */
    overridePreflight: z.boolean().default(false),
    /** Uninstall then install again (the vendor's remedy), even when the agent is healthy. */
    reinstall: z.boolean().default(false),
    /** Only set up / check / repair the tunnel ("check tunnel"). */
    tunnelOnly: z.boolean().default(false),
    /** "Test connection": log in (host keys asked here), then the targets' read-only preflight checks; nothing is changed anywhere. */
    checkOnly: z.boolean().default(false),
    /** Targets at once: 1 (the default) is the interactive scheduler with a live terminal; more is the pool (a batch). */
    concurrency: z.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type RunOptions = z.input<typeof RunOptions>;

export const StepStatus = z.enum(['pending', 'running', 'done', 'failed', 'skipped', 'warning', 'cancelled']);
export type StepStatus = z.infer<typeof StepStatus>;

/** The per-host state machine (interactive and pool schedulers alike). */
export const HostState = z.enum(['queued', 'connecting', 'preflight', 'transferring', 'installing', 'verifying', 'done', 'failed', 'skipped', 'cancelled']);
export type HostState = z.infer<typeof HostState>;

/** The states a host ends in: every target of a run ends in exactly one. */
export const FINAL_STATES = ['done', 'failed', 'skipped', 'cancelled'] as const satisfies readonly HostState[];
export type FinalState = (typeof FINAL_STATES)[number];
export const isFinalState = (s: string): s is FinalState => (FINAL_STATES as readonly string[]).includes(s);

export const RunOutcome = z.enum(['done', 'failed', 'cancelled']);
export type RunOutcome = z.infer<typeof RunOutcome>;

export const MessagePart = z.object({ key: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])) });
export type MessagePart = z.infer<typeof MessagePart>;

export const CheckResult = z.object({
  name: z.string(),
  status: z.enum(['pass', 'warn', 'fail']),
  detail: z.string(),
  hint: z.string().optional(),
});
export type CheckResult = z.infer<typeof CheckResult>;

/** One row a run will report (a step on a host), in the order the run reaches them: the run view's pending rows. */
export const ScheduleRow = z.object({
  /** The plan's step id (the run's run.step events use the same). */
  stepId: z.string(),
  /** The step's title on that host (its per-host values filled in), as the run's events give it. */
  title: z.string(),
  /** Where: the plan's host id (`console`, `local`, `jump0`, `proxy0`, `seed`, `target2`). */
  hostId: z.string(),
  /** The host as people read it (English, as the run's events say it). */
  host: z.string(),
  /** A manual step (an instruction): the run reports it skipped, for the user to do. */
  manual: z.boolean(),
  /** A remedy the run runs before its step (a reinstall). */
  remedy: z.boolean(),
});
export type ScheduleRow = z.infer<typeof ScheduleRow>;

/** The batch report of an ended run (the CLI's `--report` fields): each target's final state, code and hint. */
export const ReportRow = z.object({
  host: z.string(),
  port: z.number().int(),
  user: z.string(),
  name: z.string().nullable(),
  state: z.string(),
  step: z.string().nullable(),
  code: z.string().nullable(),
  reason: z.string().nullable(),
  hint: z.string().nullable(),
  startedAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationMs: z.number().nullable(),
});
export type ReportRow = z.infer<typeof ReportRow>;

export const runRequests = {
  'run.schedule': request({
    summary: 'The rows a run of these answers with these options will report, in order (the run view shows them pending from the start).',
    input: z.object({ answers: z.record(z.string(), z.unknown()), options: RunOptions.default({ acceptNewHostKeys: false, overridePreflight: false, reinstall: false, tunnelOnly: false, checkOnly: false }) }).strict(),
    output: z.object({ rows: z.array(ScheduleRow) }),
  }),
  'run.report': request({
    summary: "An ended run's report (masked), as the CLI writes it: JSON (version 1) and CSV. Only for the client that ran it.",
    input: z
      .object({
        runId: RunId,
        /** Targets a "Retry failed hosts" run left alone (done in an earlier run): listed too, as `outpost batch --retry-failed` lists them. */
        earlier: z.array(z.object({ host: z.string().max(255), port: z.number().int().min(1).max(65535), user: z.string().max(64) }).strict()).max(100_000).optional(),
      })
      .strict(),
    output: z.object({ json: z.string(), csv: z.string(), hosts: z.array(ReportRow) }),
  }),
  'run.start': request({
    summary: 'Run a plan: tunnel on the jump servers, preflight, install and verify on each target.',
    input: z.object({ answers: z.record(z.string(), z.unknown()), options: RunOptions.default({ acceptNewHostKeys: false, overridePreflight: false, reinstall: false, tunnelOnly: false, checkOnly: false }) }).strict(),
    output: z.object({ runId: RunId, terminalId: z.string(), journal: z.string() }),
  }),
  'run.cancel': request({
    summary: 'Cancel a run: closes its channels; the run ends `cancelled`.',
    input: z.object({ runId: RunId }).strict(),
    output: z.null(),
  }),
  'run.pause': request({
    summary: 'Pause a run: the pool starts no new host; hosts in flight finish; the others stay queued.',
    input: z.object({ runId: RunId }).strict(),
    output: z.object({ paused: z.boolean() }),
  }),
  'run.resume': request({
    summary: 'Resume a paused run: the pool starts hosts again.',
    input: z.object({ runId: RunId }).strict(),
    output: z.object({ paused: z.boolean() }),
  }),
  'hostkey.decide': request({
    summary: 'Accept or reject an unknown host key the run is waiting on.',
    input: z.object({ requestId: z.string().max(64), decision: z.enum(['accept', 'reject']) }).strict(),
    output: z.null(),
  }),
};

export const HostKeyRole = z.enum(['jump', 'proxy', 'seed', 'target']);
export type HostKeyRole = z.infer<typeof HostKeyRole>;

export const runEvents = {
  'run.step': z.object({
    runId: RunId,
    /** The plan's step id (every id exists in the plan the run was given). */
    stepId: z.string(),
    title: z.string(),
    /** Where it runs: `console`, `local`, `jump0`, `target0`… (the plan's host ids). */
    hostId: z.string(),
    /** The host as people read it: `jump server 1 (root@10.0.0.5:22)`. */
    host: z.string(),
    status: StepStatus,
    /** English text (CLI, journal). */
    message: z.string().optional(),
    /** The same message as translatable parts, for the UI: i18n keys with their parameters. */
    parts: z.array(MessagePart).optional(),
    checks: z.array(CheckResult).optional(),
  }),
  'run.output': z.object({ runId: RunId, stepId: z.string(), hostId: z.string(), data: z.string() }),
  /** A transfer in progress (a package uploaded to a host): bytes done of total. */
  'run.progress': z.object({ runId: RunId, stepId: z.string(), hostId: z.string(), done: z.number().int().min(0), total: z.number().int().min(0) }),
  /** A host's state in the run: each target ends in exactly one of done / failed / skipped / cancelled. */
  'run.host': z.object({
    runId: RunId,
    hostId: z.string(),
    host: z.string(),
    state: HostState,
    /** The step it is in (or ended at). */
    stepId: z.string().optional(),
    reason: z.string().optional(),
    hint: z.string().optional(),
  }),
  /** The run paused (no new host starts) or resumed; a cancel resumes (the hosts not started end cancelled). */
  'run.paused': z.object({ runId: RunId, paused: z.boolean() }),
  'run.end': z.object({
    runId: RunId,
    outcome: RunOutcome,
    failedStep: z.string().optional(),
    hostId: z.string().optional(),
    host: z.string().optional(),
    code: z.string().optional(),
    reason: z.string().optional(),
    hint: z.string().optional(),
    journal: z.string(),
    /** Targets per final state. */
    summary: z.record(z.string(), z.number().int()).optional(),
    /**
     * The answers field the failure points at, for "Edit answers" (`targets[2].password`,
     * `connectivity.jumpServers[0].ssh.host`, `package.sha256`…); absent when no answer is to blame.
     */
    field: z.string().optional(),
  }),
  'hostkey.unknown': z.object({
    requestId: z.string(),
    runId: RunId,
    host: z.string(),
    port: z.number().int(),
    keyType: z.string(),
    fingerprint: z.string(),
    via: z.string().optional(),
    /** Which of the run's machines it is: a jump server (or its proxy, the seed) or a target. */
    role: HostKeyRole.optional(),
    /** The machine as the run names it: a target's CSV name or user@host:port, a jump server's label. */
    name: z.string().optional(),
  }),
  /** A host presented a key other than the one on record: never asked about (the host is refused), only told. */
  'hostkey.changed': z.object({
    runId: RunId,
    host: z.string(),
    port: z.number().int(),
    keyType: z.string(),
    fingerprint: z.string(),
    knownKeyType: z.string(),
    knownFingerprint: z.string(),
    via: z.string().optional(),
    role: HostKeyRole.optional(),
    name: z.string().optional(),
  }),
};
