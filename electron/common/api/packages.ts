// Offline packages in the wizard: the user names a local file; Outpost shows its size, kind and
// SHA-256 and whether it matches the value pasted or a `.sha256` file beside it, before any run.
import { z } from 'zod';
import { request } from './define';

export const PackageInfo = z.object({
  path: z.string(),
  size: z.number().int().min(0),
  /** By content: zip, tar, tar.gz, deb, rpm (a Docker image is a tar), or unknown. */
  kind: z.enum(['zip', 'tar', 'tar.gz', 'deb', 'rpm', 'unknown']),
  sha256: z.string(),
  /** The value it must have: pasted in the wizard, or read from `<file>.sha256`. */
  expected: z.object({ value: z.string(), source: z.enum(['given', 'file']) }).nullable(),
  /** null when nothing is expected. */
  matches: z.boolean().nullable(),
});
export type PackageInfo = z.infer<typeof PackageInfo>;

export const packagesRequests = {
  'packages.inspect': request({
    summary: 'Size, kind and SHA-256 of a local package file, checked against an expected SHA-256 (given, or a .sha256 file beside it).',
    input: z.object({ path: z.string().min(1).max(4096), sha256: z.string().regex(/^[A-Fa-f0-9]{64}$/).optional() }).strict(),
    output: PackageInfo,
  }),
};

export const packagesEvents = {};
