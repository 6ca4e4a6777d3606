// Helpers to declare requests and events once; the types everything else uses are derived from these.
import type { z } from 'zod';

export interface RequestSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  input: I;
  output: O;
  /** One line for docs and `--help`. */
  summary: string;
}

export function request<I extends z.ZodType, O extends z.ZodType>(spec: RequestSpec<I, O>): RequestSpec<I, O> {
  return spec;
}

/** The error shape every transport returns. `hint` says what the user can do about it. */
export interface ApiError {
  code: string;
  message: string;
  hint?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };
