// Writes resources/profile.schema.json from the profile schema (electron/core/profiles/json-schema.ts),
// so editors and `outpost profile check` follow the same rules. Run by `npm run build`; the unit tests
// check that the committed file is up to date.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

/** The generated file's text (the schema as JSON, two-space indented, final newline). */
export async function profileSchemaText() {
  const out = await build({
    entryPoints: [new URL('../electron/core/profiles/json-schema.ts', import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'warning',
  });
  // Imported from inside the project so its dependencies (zod) resolve from node_modules.
  const dir = new URL('../node_modules/.cache/outpost/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  const file = new URL(`profile-schema-${process.pid}-${Date.now()}.mjs`, dir);
  writeFileSync(file, out.outputFiles[0].text);
  let mod;
  try {
    mod = await import(pathToFileURL(file.pathname).href);
  } finally {
    rmSync(file, { force: true });
  }
  return `${JSON.stringify(mod.profileJsonSchema(), null, 2)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = new URL('../resources/profile.schema.json', import.meta.url);
  writeFileSync(file, await profileSchemaText());
  console.log('outpost: wrote resources/profile.schema.json');
}
