// The integration suite as two vitest processes at once (`npm run test:integration`, part of `npm test`).
// One file after another it took 16.3 minutes on the 2-core machine, as two 12.1 (each file runs ~1.5×
// slower beside the other). Files in one process still run one at a time (vitest.config.ts:
// fileParallelism false).
//
// The split: files that share something machine-wide run in the same process.
// - "machine": the Wine prefix cache and Wine's fixed users (windows/), the Docker daemon (tetra-relay),
//   the fixed `cloudroot` user (the Cloudpods worlds); the Ansible exports and the lifecycle world are
//   here too, to even out the two processes' times.
// - "users": every other file, with test users of its own: OUTPOST_TEST_USER_SUFFIX gets a "p" (see
//   test/integration/harness/sshd.ts: testUserName), so outpost-t1p, not outpost-t1. The /opt folders
//   its files write (/opt/marker, /opt/oss, /opt/outpost-preflight-test) are used by no file of the other.
// A new file goes to "users" unless it matches MACHINE; one that touches a machine-wide thing (a fixed
// path, a fixed user name, a daemon) belongs in MACHINE.
// Arguments: options (`--reporter=verbose`; give an option's value after `=`) go to both processes;
// anything else filters the files by their path, as vitest's own filters do, and a process left with
// no file is not started.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const DIR = path.join(ROOT, 'test', 'integration');
const MACHINE = [/^windows\//, /^export\//, /^run\/cloudpods-/, /^run\/tetra-relay\./, /^lifecycle\./];

const files = fs
  .readdirSync(DIR, { recursive: true })
  .map((f) => String(f).split(path.sep).join('/'))
  .filter((f) => f.endsWith('.test.ts'))
  .sort();
const options = process.argv.slice(2).filter((a) => a.startsWith('-'));
const filters = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const wanted = files.filter((f) => filters.length === 0 || filters.some((x) => `test/integration/${f}`.includes(x)));
if (wanted.length === 0) {
  console.error(`integration: no test file matches ${filters.join(', ')}`);
  process.exit(2);
}
// A checkout's own suffix (two worktrees on one machine) is kept; "users" adds its "p" to it.
const suffix = process.env.OUTPOST_TEST_USER_SUFFIX ?? '';
const groups = [
  { name: 'machine', suffix, files: wanted.filter((f) => MACHINE.some((re) => re.test(f))) },
  { name: 'users', suffix: `${suffix}p`, files: wanted.filter((f) => !MACHINE.some((re) => re.test(f))) },
].filter((g) => g.files.length > 0);

const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const t0 = Date.now();
const results = await Promise.all(
  groups.map(
    (g) =>
      new Promise((resolve) => {
        const env = { ...process.env, OUTPOST_TEST_USER_SUFFIX: g.suffix };
        const args = [vitest, 'run', '--project', 'integration', ...options, ...g.files.map((f) => `test/integration/${f}`)];
        const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
        // Whole lines, each marked with its process, so the two outputs stay readable side by side.
        const relay = (stream, out) => {
          let rest = '';
          stream.on('data', (b) => {
            const lines = (rest + b.toString()).split('\n');
            rest = lines.pop() ?? '';
            for (const l of lines) out.write(`[${g.name}] ${l}\n`);
          });
          stream.on('end', () => rest && out.write(`[${g.name}] ${rest}\n`));
        };
        relay(child.stdout, process.stdout);
        relay(child.stderr, process.stderr);
        child.on('error', (err) => resolve({ g, code: 1, why: err.message }));
        child.on('close', (code, sig) => resolve({ g, code: code ?? 1, why: sig ? `killed by ${sig}` : '' }));
      }),
  ),
);
const took = Math.round((Date.now() - t0) / 1000);
for (const r of results) console.log(`integration [${r.g.name}]: ${r.g.files.length} files, ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code}${r.why ? `, ${r.why}` : ''})`}`);
console.log(`integration: ${took} s`);
process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
