import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileJsonSchema } from '../../../electron/core/profiles';
import { RESOURCES, ROOT } from './helpers';

describe('resources/profile.schema.json', () => {
  it('is the one generated from the profile schema (run `npm run build` after changing it)', () => {
    const committed = fs.readFileSync(path.join(RESOURCES, 'profile.schema.json'), 'utf8');
    expect(committed).toBe(`${JSON.stringify(profileJsonSchema(), null, 2)}\n`);
  });

  it('the generator script writes exactly that text', async () => {
    const gen = (await import(path.join(ROOT, 'scripts', 'gen-profile-schema.mjs'))) as { profileSchemaText: () => Promise<string> };
    expect(await gen.profileSchemaText()).toBe(`${JSON.stringify(profileJsonSchema(), null, 2)}\n`);
  });
});
