// resources/profile.schema.json, generated from the zod schema (one source of truth): editors use it
// to complete and check profiles as they are written; `outpost profile check` applies the full rules.
import { z } from 'zod';
import { ProfileSchema } from './schema';

export function profileJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ProfileSchema, { io: 'input', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://outpost.invalid/profile.schema.json',
    title: 'Outpost agent profile (schema 2)',
    description: 'An agent profile: inputs, ports, preflight and verify probes, steps per OS, console command parser. See resources/PROFILES.md.',
  };
}
