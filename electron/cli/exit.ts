/** Exit codes: a contract for scripts. */
export const EXIT = { ok: 0, failed: 1, invalid: 2, cancelled: 130 } as const;
