// `npm run bench -- check [--hosts N] [--concurrency C]` (issue 26): a read-only check of N real sshd
// hosts on loopback (scripts/bench/batch-hosts.ts: own addresses, high ports, key auth, one login user
// per host), by two tools on the same hosts with the same probe command (`test -f bench/marker`):
//   (a) `outpost check --concurrency C` (default 50): login with the host key verified, the profile's
//       verify probe, each host's verdict, report and journal; under /usr/bin/time (wall time, peak RSS);
//   (b) `parallel-ssh -p 50` running the probe command.
// Every host gets its marker first (the agent "installed"); after both, every host must still be
// healthy / exit 0 in each tool's own output. Target: Outpost ≤ 0.5× pssh's wall time. Each tool's own
// CPU, the hosts' sshd CPU and the machine's are printed beside the wall times: the hosts share this
// machine's CPUs, so on a small machine their cost is in both wall times (README, "Check").
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildHostsHelper, ensurePackage, hostOptions, startHosts, timed } from './batch.mjs';

const TARGET_PSSH = 0.5;

/**
 * CPU seconds the hosts' sshd have spent: each listener's own and its reaped children's (the
 * per-connection sshd, the login shells and what they ran). The hosts share this machine's CPUs with
 * the tool measured, so their cost is in both tools' wall times: printed to tell the two apart.
 */
function sshdCpuSeconds() {
  let ticks = 0;
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const m = /\((.*)\) (.*)/.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
      if (m?.[1] !== 'sshd') continue;
      // utime stime cutime cstime: fields 14-17 of stat, 12-15 after the command name.
      const f = m[2].split(' ').slice(11, 15).map(Number);
      ticks += f.reduce((a, b) => a + b, 0);
    } catch {
      // gone meanwhile
    }
  }
  return ticks / 100;
}

const PEER_PARALLEL = 50;

const PROFILE = `schema: 2
id: bench-check
name: Bench check
description: A marker file is the "agent" (npm run bench -- check).
os: [linux]
connectivity: [direct]
linux:
  shell: bash
  installDir: /opt/bench-check
  steps:
    - id: marker
      phase: install
      title: { en: "Write the marker" }
      action: { exec: { root: false, script: [mkdir, -p, bench, { op: "&&" }, echo, ok, { op: ">" }, bench/marker], exitCode: 0 } }
    - id: uninstall
      phase: remedy
      title: { en: "Remove the marker" }
      action: { exec: { root: false, script: [rm, -rf, bench], exitCode: 0 } }
  verify:
    - { command: { name: marker, script: [test, -f, bench/marker], exitCode: 0 } }
`;

export async function runCheckBench(argv, { ROOT, table, UsageError }) {
  const { n, concurrency } = hostOptions(argv, UsageError);
  ensurePackage('parallel-ssh', 'pssh');
  if (!fs.existsSync('/usr/bin/time')) ensurePackage('/usr/bin/time', 'time');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.mjs'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-check-'));
  fs.chmodSync(work, 0o755);
  console.log(`starting ${n} sshd hosts on loopback…`);
  const helper = await buildHostsHelper();
  const t0 = performance.now();
  const { world, stop } = await startHosts(helper, work, n);
  console.log(`${n} hosts up in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const results = {};
  try {
    // The "agent" on every host: its marker, the host user's own.
    for (const h of world.hosts) {
      fs.mkdirSync(path.join(h.home, 'bench'), { recursive: true });
      fs.writeFileSync(path.join(h.home, 'bench', 'marker'), 'ok\n');
      execFileSync('chown', ['-R', `${h.user}:`, path.join(h.home, 'bench')]);
    }
    const kh = path.join(work, 'known_hosts');
    fs.mkdirSync(path.join(work, 'profiles'));
    fs.writeFileSync(path.join(work, 'profiles', 'bench-check.yaml'), PROFILE);
    fs.writeFileSync(path.join(work, 'answers.yaml'), 'profile: bench-check\nos: linux\nconnectivity: { mode: direct, accessIp: 127.0.0.1 }\ntargets: []\n');
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, OUTPOST_DATA_DIR: path.join(work, 'data') };
    const report = path.join(work, 'report.json');
    let s0 = sshdCpuSeconds();
    const o = await timed(path.join(ROOT, 'bin', 'outpost.mjs'), ['check', path.join(work, 'answers.yaml'), '--hosts', path.join(work, 'hosts.csv'), '--concurrency', String(concurrency), '--known-hosts', kh, '--profiles', path.join(work, 'profiles'), '--report', report], { cwd: work, env, rss: true });
    const healthy = fs.existsSync(report) ? JSON.parse(fs.readFileSync(report, 'utf8')).hosts.filter((h) => h.state === 'healthy').length : 0;
    results.outpost = { ...o, ok: healthy, sshdS: sshdCpuSeconds() - s0 };
    if (o.code !== 0) console.log(`outpost check exited ${o.code}:\n${o.output.split('\n').slice(-15).join('\n')}`);

    const sshOpts = [`UserKnownHostsFile=${kh}`, 'GlobalKnownHostsFile=/dev/null', 'StrictHostKeyChecking=yes', `IdentityFile=${world.key}`, 'IdentitiesOnly=yes', 'BatchMode=yes'];
    s0 = sshdCpuSeconds();
    const p = await timed('parallel-ssh', ['-h', path.join(work, 'pssh-hosts'), '-p', String(PEER_PARALLEL), '-t', '600', ...sshOpts.flatMap((x) => ['-O', x]), 'test -f bench/marker'], { cwd: work, rss: true });
    results.pssh = { ...p, ok: (p.output.match(/\[SUCCESS\]/g) ?? []).length, sshdS: sshdCpuSeconds() - s0 };
    if (p.code !== 0) console.log(`parallel-ssh exited ${p.code}:\n${p.output.split('\n').slice(-10).join('\n')}`);
  } finally {
    await stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
  const s = (x) => `${(x / 1000).toFixed(2)} s`;
  const cpu = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} s` : '?');
  console.log(
    table([
      ['tool', 'wall time', 'hosts ok', 'exit', 'tool CPU', "hosts' sshd CPU", 'machine CPU'],
      ...['outpost', 'pssh'].map((k) => {
        const x = results[k];
        const name = k === 'outpost' ? `outpost check --concurrency ${concurrency}` : `parallel-ssh -p ${PEER_PARALLEL}`;
        return [name, s(x.ms), `${x.ok}/${n}`, x.code === 0 ? 'ok' : `exit ${x.code}`, cpu(x.cpuS), cpu(x.sshdS), cpu(x.machineCpuS)];
      }),
    ]),
  );
  const r = results.outpost.ms / results.pssh.ms;
  const valid = results.outpost.ok === n && results.pssh.ok === n;
  const rssMb = results.outpost.rssKb ? results.outpost.rssKb / 1024 : NaN;
  console.log(
    table([
      ['measure', 'value', 'target', 'verdict'],
      ['Outpost / pssh (wall time)', `${r.toFixed(2)}×`, `≤ ${TARGET_PSSH}×`, !valid ? 'INVALID (a host was not checked healthy by both)' : r <= TARGET_PSSH ? 'PASS' : 'FAIL'],
      ['Outpost peak RSS', `${rssMb.toFixed(0)} MB`, '', ''],
      ["Outpost's own CPU / pssh's (its ssh processes)", `${(results.outpost.cpuS / results.pssh.cpuS).toFixed(2)}×`, '', ''],
    ]),
  );
  // Both runs keep the machine's CPUs busy (machine CPU ≈ CPUs × wall time): the wall times follow the machine's CPU.
  const busy = (x) => x.machineCpuS / (os.cpus().length * (x.ms / 1000));
  console.log(
    `The ${n} hosts' sshd share this machine's ${os.cpus().length} CPUs with the tool: the CPUs were ${Math.round(100 * busy(results.outpost))}% / ${Math.round(100 * busy(results.pssh))}% busy (Outpost / pssh), ` +
      `so the wall-time ratio follows the machine-CPU ratio, ${(results.outpost.machineCpuS / results.pssh.machineCpuS).toFixed(2)}×${['outpost', 'pssh'].every((k) => results[k].sshdS > results[k].machineCpuS / 2) ? ", most of it the hosts' own sshd work, the same for both tools" : ''}.`,
  );
}
