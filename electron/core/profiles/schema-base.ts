// The pieces every part of a profile is written with: names, templates, `when:` conditions, command
// tokens and texts in several languages (split from schema.ts, which builds the profile from them).
import { z } from 'zod';

export const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** A template string: `{name}` placeholders; checked against the profile's inputs and vars when loaded. */
export const Template = z.string().max(4000);
export const When = z
  .string()
  .regex(/^!?[A-Za-z][A-Za-z0-9_.]*$/, { message: 'is a variable or flag name, optionally negated with !' })
  .optional()
  .describe('Keep the token only when this variable is set (non-empty, not false) or, with !, unset');

export const SecretToken = z.object({ secret: z.string().regex(NAME), when: When }).strict();
/** A piece of a written file kept only when its condition holds (an optional line of an env file). */
export const TextPiece = z.object({ text: Template, when: When }).strict();

/** One token of a command: a word (string, {placeholders} allowed), shell syntax, a secret, NAME=value, or a list input spread as words. */
export const Token = z.union([
  Template,
  z.object({ word: Template, when: When }).strict(),
  z.object({ op: z.string().min(1), when: When }).strict().describe('Shell syntax written by the profile author (never a user value)'),
  SecretToken,
  z.object({ assign: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), value: z.union([Template, SecretToken]), when: When }).strict(),
  z
    .object({ args: z.string().regex(NAME), secrets: z.literal(true).optional(), when: When })
    .strict()
    .describe('A list input: each item one word; with secrets: true, a word {secret:NAME} is that secret input (a pasted command, its keys in the secure store)'),
]);
export type Token = z.infer<typeof Token>;

export const Lang = z.object({ en: z.string(), 'zh-CN': z.string().optional(), fr: z.string().optional() }).strict();
export const text = z.union([z.string(), Lang]);
export type LangText = z.infer<typeof text>;
