/** Exit codes: a contract for scripts (`outpost --help` lists them). 129/130/143: stopped by SIGHUP / SIGINT (Ctrl-C) / SIGTERM, after the run ended its hosts, journal and report. */
export const EXIT = { ok: 0, failed: 1, invalid: 2, hangup: 129, cancelled: 130, terminated: 143 } as const;

/**
 * Failure codes that mean the input is wrong (exit 2, not 1): an unsafe, corrupt or mismatched archive, a
 * folder that is not empty. The same archive gives the same exit code in `outpost unpack` and `outpost run`.
 */
export const INVALID_INPUT_CODES: ReadonlySet<string> = new Set(['archive.unsafe', 'archive.checksum', 'archive.missing', 'archive.unsupported', 'archive.corrupt', 'unpack.exists', 'unpack.notdir', 'unpack.conflict']);
