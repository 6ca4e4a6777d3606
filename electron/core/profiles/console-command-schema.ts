// How to read the command a vendor console generates (a profile's `consoleCommand.linux|windows`).
import { z } from 'zod';

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** A secret's place in a pasted command kept verbatim (`verbatim`): the word `{secret:NAME}`. */
export const SECRET_WORD = /^\{secret:([A-Za-z][A-Za-z0-9_]*)\}$/;

/** How to read the command a vendor console generates: flags → inputs. */
export const ConsoleCommand = z
  .object({
    /** The command must run this script or program (a word of the command). */
    program: z.string(),
    /** Regex with a named group `region` for the region in the download URL, checked against the others. */
    urlRegion: z.string().optional(),
    /** Environment assignments before the program: NAME → target. */
    env: z.record(z.string(), z.string()).default({}),
    /** Flag → target: an input name, `region`, `accessIp`, `dc`, or `-` (derived; checked, not kept). */
    flags: z.record(z.string(), z.string()),
    /** Unknown flags are kept, in order, in this list input (so Outpost runs what the console generated). */
    extraArgs: z.string().regex(NAME).optional(),
    /**
     * The pasted command itself, kept in this list input: the program as pasted and every word after it
     * in order, each secret flag's value replaced by the word `{secret:NAME}` (the value goes to the
     * secure store). A step runs it with `{ args: NAME, secrets: true }` instead of its own line.
     */
    verbatim: z.string().regex(NAME).optional(),
    /** Where the program lives in the working folder, used when the pasted command names it bare. */
    programPath: z.string().optional(),
    source: z.string().optional(),
  })
  .strict();
export type ConsoleCommand = z.output<typeof ConsoleCommand>;
