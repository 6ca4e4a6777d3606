import { z } from 'zod';
import { request } from './define';

export const SystemInfo = z.object({
  appName: z.string(),
  version: z.string(),
  platform: z.enum(['linux', 'win32', 'darwin', 'other']),
  arch: z.string(),
  /** Whether a local shell can be opened (node-pty loaded). */
  ptyAvailable: z.boolean(),
  /** `electron` for the desktop app, `browser` for `outpost serve`. */
  mode: z.enum(['electron', 'browser']),
  locale: z.string(),
  dataDir: z.string(),
});
export type SystemInfo = z.infer<typeof SystemInfo>;

export const systemRequests = {
  'system.info': request({
    summary: 'App version, platform and what this machine can do.',
    input: z.object({}).strict(),
    output: SystemInfo,
  }),
};

export const systemEvents = {};
