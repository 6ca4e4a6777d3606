import { z } from 'zod';
import { request } from './define';

export const SystemInfo = z.object({
  appName: z.string(),
  version: z.string(),
  platform: z.enum(['linux', 'win32', 'darwin', 'other']),
  arch: z.string(),
  /** Whether a local shell can be opened (node-pty loaded). */
  ptyAvailable: z.boolean(),
  /** Windows steps can run on this computer: Outpost runs on Windows (or, for tests, OUTPOST_WINE_PREFIX names a Wine prefix). */
  localWindows: z.boolean().default(false),
  /** `electron` for the desktop app, `browser` for `outpost serve`. */
  mode: z.enum(['electron', 'browser']),
  locale: z.string(),
  dataDir: z.string(),
});
export type SystemInfo = z.infer<typeof SystemInfo>;

/**
 * Events a client receives only once it asks for them with `events.subscribe`: high-volume copies of
 * what it can read elsewhere (`run.output` repeats, per step and host, what the run's terminal shows).
 * A client that never subscribes receives every event (scripts, older clients).
 */
export const OPTIONAL_EVENTS = ['run.output'] as const;
export type OptionalEvent = (typeof OPTIONAL_EVENTS)[number];

export const systemRequests = {
  'events.subscribe': request({
    summary: 'The optional events (OPTIONAL_EVENTS) this client wants from now on; the others are not sent to it. Every other event is always sent.',
    input: z.object({ names: z.array(z.enum(OPTIONAL_EVENTS)).max(OPTIONAL_EVENTS.length) }).strict(),
    output: z.null(),
  }),
  'system.info': request({
    summary: 'App version, platform and what this machine can do.',
    input: z.object({}).strict(),
    output: SystemInfo,
  }),
  'wizard.initial': request({
    summary: 'Answers the wizard should start from (a demo sandbox, a recipe given on the command line), if any.',
    input: z.object({}).strict(),
    output: z.lazy(() => WizardInitial),
  }),
};

export const systemEvents = {};

/** What the wizard starts from: nothing, or a recipe (e.g. `outpost demo` pre-fills the sandbox). */
export const WizardInitial = z.object({
  answers: z.record(z.string(), z.unknown()).nullable(),
  /** Shown above the wizard, e.g. "Demo sandbox: …" (English). */
  banner: z.string().nullable(),
  /** The same banner as an i18n key and its parameters, for the UI's language. */
  bannerText: z.object({ key: z.string(), params: z.record(z.string(), z.union([z.string(), z.number()])) }).optional(),
});
export type WizardInitial = z.infer<typeof WizardInitial>;

