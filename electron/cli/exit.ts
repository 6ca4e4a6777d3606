/** Exit codes: a contract for scripts (`outpost --help` lists them). 129/130/143: stopped by SIGHUP / SIGINT (Ctrl-C) / SIGTERM, after the run ended its hosts, journal and report. */
export const EXIT = { ok: 0, failed: 1, invalid: 2, hangup: 129, cancelled: 130, terminated: 143 } as const;
