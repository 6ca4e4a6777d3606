// Credentials the user types in the wizard: kept by the main process in the OS's secure storage
// (Electron safeStorage) or, in browser mode, in the server's memory only. Never sent back in full.
import { z } from 'zod';
import { request } from './define';

export const StoredKey = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a key of letters, digits, ".", "_" or "-"');

export const StoredSecretInfo = z.object({
  key: StoredKey,
  /** A hint that identifies the value without revealing it: the last 4 characters of an access key, nothing for the rest. */
  hint: z.string(),
});
export type StoredSecretInfo = z.infer<typeof StoredSecretInfo>;

export const secretsRequests = {
  'secrets.set': request({
    summary: 'Store a secret under a key (secure storage); the value never comes back.',
    input: z.object({ key: StoredKey, value: z.string().min(1).max(4096), reveal: z.enum(['last4', 'none']).default('none') }).strict(),
    output: StoredSecretInfo,
  }),
  'secrets.list': request({
    summary: 'Which secrets are stored, with a non-revealing hint, and where they are kept.',
    input: z.object({}).strict(),
    output: z.object({ storage: z.enum(['os', 'memory']), warning: z.string().optional(), secrets: z.array(StoredSecretInfo) }),
  }),
  'secrets.forget': request({
    summary: 'Forget a stored secret.',
    input: z.object({ key: StoredKey }).strict(),
    output: z.null(),
  }),
};

export const secretsEvents = {};
