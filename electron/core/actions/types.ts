// The action contract: each kind of the Plan's action union is one module that says, once, what the
// action means — its plan-time checks, how it runs on an executor, and its Ansible form. The runner's
// host job and the export call the same module, so a fix to what an action does lands in both.
import type { Action, Mode, SecretRef, Step } from '../../common/api/plan';
import type { CheckResult, MessagePart, StepStatus } from '../../common/api/run';
import type { Executor, InputSink } from '../exec';
import type { ArchiveListing } from '../packages/unpack';
import type { PackageSums } from '../packages/plan-packages';
import type { Facts, SecretResolver } from '../render';
import type { SecretRegistry } from '../secrets/registry';
import type { SshConnection } from '../ssh';
import type { AnsibleStep, Task } from './ansible-kit';

export type ActionKind = Action['kind'];
export type ActionOf<K extends ActionKind> = Extract<Action, { kind: K }>;

/** What a step ended with (status `done` unless said). A failure is thrown as StepFailure / OutpostError. */
export interface StepOutcome {
  status?: StepStatus;
  message?: string;
  parts?: MessagePart[];
  checks?: CheckResult[];
}

/** A step that failed on its host: the code and hint the report and the UI show. */
export class StepFailure extends Error {
  constructor(
    readonly stepId: string,
    readonly code: string,
    message: string,
    readonly hint?: string,
    readonly checks?: CheckResult[],
  ) {
    super(message);
  }
}

/** What a running step gets from its host's job. */
export interface StepContext {
  readonly step: Step;
  readonly hostId: string;
  /** The host's label, for messages. */
  readonly host: string;
  readonly ex: Executor;
  readonly signal: AbortSignal;
  readonly secrets: SecretRegistry;
  readonly resolver: SecretResolver;
  /** Run-time values (the jump servers' verified host keys, values a step published). */
  readonly facts: Facts;
  /** A secret reference's value, registered with the redactor; throws `secret.missing` naming it. */
  secret(ref: SecretRef, name: string): string;
  /** Output of the step as it comes (the reporter masks it). */
  output(text: string): void;
  /** A line Outpost says about the step (shown, and kept in the journal's tail). */
  say(line: string): void;
  /** The command as a person would type it, masked (shown in the interactive terminal). */
  echo(display: string): void;
  progress(done: number, total: number): void;
  /** Where typed input goes (the interactive terminal), while the step runs. */
  onInput?(sink: InputSink | null): void;
  /** The host's jump server, for checks that look from there (agent traffic). */
  readonly jump?: Executor | undefined;
  /** The host's address as its jump server sees it. */
  readonly peer?: string | undefined;
  /** Logs in to this host again as another user with a private key on this computer (keyLogin probes); SSH hosts only. */
  readonly relogin?: ((user: string, keyPath: string) => Promise<void>) | undefined;
  /** Tunnels: the SSH connection to the host the step runs on, and to the host that listens (remote forwards). */
  readonly tunnel?: { conn: SshConnection; listenConn?: SshConnection | undefined; jumpPassword?: string | undefined } | undefined;
  /** Local packages checked before anything connected (SHA-256 by local path and by destination). */
  readonly packages: PackageSums | undefined;
  /** This computer's private cache folder (files a `fetch` step downloads). */
  readonly cacheDir?: string | undefined;
  /** This computer's listing of a local archive (once per run). */
  listing(file: string): Promise<ArchiveListing>;
  /** reinstall: `--reinstall` (an unpack goes over the existing folder). */
  readonly run: { checkOnly: boolean; overridePreflight: boolean; reinstall?: boolean | undefined; mode: Mode; profileName: string };
}

export interface ActionModule<K extends ActionKind> {
  readonly kind: K;
  /** Problems with the action as a plan holds it (plan time), each a sentence naming the field. */
  validate(a: ActionOf<K>): string[];
  /** What the step does, as the Review page and `outpost plan` show it (masked). */
  display(a: ActionOf<K>): string;
  /** Runs the action on the step's host. */
  run(a: ActionOf<K>, c: StepContext): Promise<StepOutcome>;
  /** The Ansible tasks that do the same, judged the same way. */
  ansible(a: ActionOf<K>, c: AnsibleStep): Task[];
}

/** Every action kind has its module: a kind added to the union without one does not compile. */
export type ActionRegistry = { [K in ActionKind]: ActionModule<K> };
