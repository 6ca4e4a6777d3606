import type { ApiError } from '../common/api/define';

/** An error meant for the user: a stable code, a plain message, and what to do about it. */
export class OutpostError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  constructor(code: string, message: string, hint?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OutpostError';
    this.code = code;
    this.hint = hint;
  }
  toApiError(): ApiError {
    return this.hint ? { code: this.code, message: this.message, hint: this.hint } : { code: this.code, message: this.message };
  }
}

export function toApiError(err: unknown, redact: (s: string) => string = (s) => s): ApiError {
  if (err instanceof OutpostError) {
    const e = err.toApiError();
    return { ...e, message: redact(e.message), ...(e.hint ? { hint: redact(e.hint) } : {}) };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'internal', message: redact(message), hint: 'This is a bug in Outpost; the log has details.' };
}
