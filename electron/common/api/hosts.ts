// A host list file the user imports (iplist.cfg, CSV) may hold passwords in clear text. In the desktop
// app the file's path is known: the core reads it and remembers it, so the wizard can offer to delete
// exactly that file afterwards. The delete request names the file by the id the read returned, never
// by a path: the renderer cannot have any other file deleted. (A browser page gets a file's contents,
// not its path: there the wizard says so and leaves the deleting to the user.)
import { z } from 'zod';
import { request } from './define';

export const HostFileId = z.string().regex(/^hf-[a-f0-9]{16}$/);

export const hostsRequests = {
  'hosts.readFile': request({
    summary: 'Read a host list file the user picked (desktop app) and remember it for hosts.deleteFile.',
    input: z.object({ path: z.string().min(1).max(4096) }).strict(),
    output: z.object({ fileId: HostFileId, path: z.string(), text: z.string() }),
  }),
  'hosts.deleteFile': request({
    summary: 'Delete a host list file this client read with hosts.readFile, if it is still the file that was read.',
    input: z.object({ fileId: HostFileId }).strict(),
    output: z.object({ deleted: z.string() }),
  }),
};

export const hostsEvents = {};
