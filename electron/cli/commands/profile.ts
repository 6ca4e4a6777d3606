// `outpost profile check FILE…` validates agent profiles (every problem as `file:line: field: message`;
// exit 2 when there is one, else `ok: <id>` per file). `outpost profile list [--profiles DIR]` lists
// the profiles Outpost would use: shipped ones and the user's (marking those that replace a shipped one).
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { loadProfiles, OutpostService, parseProfile, profileDirs } from '../../core/service';
import { cliContext } from '../context';
import { EXIT } from '../exit';
import { runProfileNew } from './profile-new';

interface Out {
  write(s: string): unknown;
}

export function registerProfileCommand(program: Command): void {
  const profile = program.command('profile').description('Check and list agent profiles (see resources/PROFILES.md).');
  profile
    .command('check')
    .description('Validate profile files: each problem as file:line: field: message.')
    .argument('[files...]', 'profile files (YAML)')
    .option('--profiles <dir>', 'also check every *.yaml / *.yml file of this folder (your profiles folder)')
    .action((files: string[], opts: { profiles?: string }) => {
      const all = [...files, ...(opts.profiles ? folderFiles(opts.profiles, process.stderr) : [])];
      if (!all.length) {
        process.stderr.write(`outpost profile check: ${opts.profiles ? `${opts.profiles} holds no .yaml or .yml file` : 'give profile files, or --profiles DIR'}\n`);
        process.exitCode = EXIT.invalid;
        return;
      }
      process.exitCode = runProfileCheck(all, process.stdout, process.stderr);
    });
  profile
    .command('new')
    .description('Write a starter profile ID.yaml that passes `outpost profile check`: commented (blank), or a copy of a shipped profile.')
    .argument('<id>', 'the new profile id (lower-case letters, digits and -)')
    .option('--from <source>', 'blank (default), or a shipped profile id to copy (e.g. icagent)')
    .option('--out <file>', 'where to write it (default: ./ID.yaml); an existing file is never overwritten')
    .action((id: string, opts: { from?: string; out?: string }) => {
      process.exitCode = runProfileNew(id, opts, cliContext('browser').resourcesDir, process.stdout, process.stderr);
    });
  profile
    .command('list')
    .description('List the profiles: id, name, and where each comes from.')
    .option('--profiles <dir>', 'your profiles folder (default: <data folder>/profiles)')
    .action((opts: { profiles?: string }) => {
      process.exitCode = runProfileList(opts, process.stdout, process.stderr);
    });
}

/** The profile files of a folder, sorted (none when it cannot be read: said on stderr). */
export function folderFiles(dir: string, stderr: Out): string[] {
  try {
    return fs.readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort().map((n) => path.join(dir, n));
  } catch {
    stderr.write(`outpost profile check: ${dir} cannot be read\n`);
    return [];
  }
}

/** The line of a top-level `key:` in YAML text (1 when absent). */
function lineOfKey(text: string, key: string): number {
  const i = text.split('\n').findIndex((l) => l.startsWith(`${key}:`));
  return i >= 0 ? i + 1 : 1;
}

export function runProfileCheck(files: string[], stdout: Out, stderr: Out, resourcesDir?: string): number {
  const shipped = loadProfiles(profileDirs(resourcesDir ?? cliContext('browser').resourcesDir, '').shipped);
  const shippedFiles = new Set(shipped.profiles.map((l) => path.resolve(l.file)));
  const shippedIds = new Set(shipped.profiles.map((l) => l.profile.id));
  let failed = false;
  for (const file of files) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      stderr.write(`${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : 'cannot be read'}\n`);
      failed = true;
      continue;
    }
    const r = parseProfile(text, file);
    const name = path.basename(file);
    // parseProfile names the file by its base name; say it as given.
    const problems = 'problems' in r ? r.problems.map((p) => (p.startsWith(`${name}:`) ? `${file}${p.slice(name.length)}` : `${file}: ${p}`)) : [];
    if ('profile' in r) {
      const p = r.profile;
      if (shippedIds.has(p.id) && p.replaces !== p.id && !shippedFiles.has(path.resolve(file))) {
        problems.push(`${file}:${lineOfKey(text, 'id')}: id: ${p.id} is a shipped profile's id; add "replaces: ${p.id}" to replace it, or choose another id`);
      }
      if (p.replaces !== undefined && p.replaces !== p.id) problems.push(`${file}:${lineOfKey(text, 'replaces')}: replaces: must be the profile's own id (${p.id}) to replace the shipped profile with that id`);
    }
    if (problems.length) {
      failed = true;
      for (const p of problems) stderr.write(`${p}\n`);
    } else if ('profile' in r) stdout.write(`ok: ${r.profile.id}\n`);
  }
  return failed ? EXIT.invalid : EXIT.ok;
}

export function runProfileList(opts: { profiles?: string | undefined }, stdout: Out, stderr: Out): number {
  const service = new OutpostService(cliContext('browser'), { profilesDir: opts.profiles });
  const s = service.profileSummaries();
  for (const p of s.problems) stderr.write(`outpost profile list: warning: profile skipped: ${p}\n`);
  const rows = s.profiles.map((p) => [p.id, p.name, p.source === 'user' ? `user${p.replaces ? ` (replaces ${p.replaces})` : ''}` : 'shipped']);
  const cols = ['ID', 'NAME', 'SOURCE'];
  const widths = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  stdout.write(`${[line(cols), ...rows.map(line)].join('\n')}\n`);
  stdout.write(`(your profiles folder: ${s.folder})\n`);
  return EXIT.ok;
}
