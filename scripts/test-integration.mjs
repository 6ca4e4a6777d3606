// The integration suite as two vitest processes at once (`npm run test:integration`, part of `npm test`).
// Run one file after another it took 16–19 minutes on a 2-core machine with a core idle half the time
// (sshd handshakes, Wine, ansible-playbook and the stand-ins wait on each other). Files in one process
// still run one at a time (vitest.config.ts: fileParallelism false).
//
// What decides the split: files that share something machine-wide run in the same process.
// - "machine": the Wine prefix cache and Wine's fixed users (windows/), the Docker daemon (tetra-relay),
//   the fixed `cloudroot` user (the Cloudpods worlds), and the slow Ansible exports (export/, lifecycle).
// - "users": every other file. It runs with OUTPOST_TEST_USER_SUFFIX=p, so its throwaway users
//   (test/integration/harness/sshd.ts: testUserName) are its own: outpost-t1p, not outpost-t1. /opt
//   folders its files write (/opt/marker, /opt/oss, /opt/outpost-preflight-test) are used by no file
//   of the other process.
// A new file goes to "users" unless it matches MACHINE; one that touches a machine-wide thing (a fixed
// path, a fixed user name, a daemon) belongs in MACHINE.
// Arguments are passed to both vitest processes (e.g. --reporter=verbose).
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
const groups = [
  { name: 'machine', suffix: undefined, files: files.filter((f) => MACHINE.some((re) => re.test(f))) },
  { name: 'users', suffix: 'p', files: files.filter((f) => !MACHINE.some((re) => re.test(f))) },
];

const vitest = path.join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
const t0 = Date.now();
const results = await Promise.all(
  groups.map(
    (g) =>
      new Promise((resolve) => {
        const env = { ...process.env };
        if (g.suffix) env.OUTPOST_TEST_USER_SUFFIX = g.suffix;
        else delete env.OUTPOST_TEST_USER_SUFFIX;
        const args = [vitest, 'run', '--project', 'integration', ...process.argv.slice(2), ...g.files.map((f) => `test/integration/${f}`)];
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
