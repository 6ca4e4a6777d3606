// A host list file the user imports (iplist.cfg, CSV) may hold passwords in clear text. In the desktop
// app the user picks it in a native dialog that Electron main opens: the core reads that file and
// remembers it, so the wizard can offer to delete exactly that file afterwards. No request takes a
// path: a page (or anything else holding the API) cannot have another file read (`/proc/self/environ`
// held secrets) or deleted; the delete request names the file by the id the pick returned. A browser
// page reads the file it was given itself (contents, no path): there the wizard says so and leaves the
// deleting to the user.
import { z } from 'zod';
import { request } from './define';

export const HostFileId = z.string().regex(/^hf-[a-f0-9]{16}$/);

export const hostsRequests = {
  'hosts.pickFile': request({
    summary: 'Desktop app: open a native dialog, read the host list file the user picks, and remember it for hosts.deleteFile.',
    input: z.object({}).strict(),
    output: z.union([z.object({ picked: z.literal(false) }), z.object({ picked: z.literal(true), fileId: HostFileId, path: z.string(), text: z.string() })]),
  }),
  'hosts.deleteFile': request({
    summary: 'Delete a host list file this client read with hosts.pickFile, if it is still the file that was read.',
    input: z.object({ fileId: HostFileId }).strict(),
    output: z.object({ deleted: z.string() }),
  }),
};

export const hostsEvents = {};
