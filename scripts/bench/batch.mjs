// `npm run bench -- batch [--hosts N] [--concurrency C]` (issue 11): the same trivial install — upload a
// 1 MiB package, unpack it, write a marker — on N real sshd hosts on loopback (scripts/bench/batch-hosts.ts:
// own addresses in 127.0.0.0/8, high ports, key auth, one login user per host so each host has a home
// of its own), by three tools in one run on the same hosts:
//   (a) Outpost's pool: `outpost batch --concurrency C` (default 50), as a child process under
//       /usr/bin/time (wall time and peak RSS of the Outpost process);
//   (b) parallel-ssh (Debian `pssh`): `parallel-scp -p 50` then `parallel-ssh -p 50`;
//   (c) Ansible (Debian `ansible`): `ansible-playbook`, forks 50, pipelining, no fact gathering, and
//       Ansible's default ControlMaster/ControlPersist.
// With OUTPOST_BENCH_BASELINE=<another checkout, built> that version's `outpost batch` runs too, on the
// same hosts in the same run, and the table says whether this one is slower.
// Every tool checks host keys against the same known_hosts (StrictHostKeyChecking=yes for the peers).
// After each run every host's marker and unpacked file are checked, then removed for the next tool.
// Prints wall time, per-host mean (wall time × concurrency / N: the time one host occupies a slot), the
// CPU time the whole machine spent during the run (every sshd, shell and the tool: on a machine with few
// CPUs, wall time follows it),
// Outpost's peak RSS, and Outpost's ratios to each peer. Targets: ≤ 0.5× pssh, ≤ 0.2× Ansible, ≤ 200 MB.
import { execFileSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleBenchScript } from './common.mjs';

const TARGET_PSSH = 0.5;
const TARGET_ANSIBLE = 0.2;
const TARGET_RSS_MB = 200;
const PEER_PARALLEL = 50;

const have = (bin) => {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/** Installs a Debian package the bench needs when its command is missing (root: apt-get). */
export function ensurePackage(bin, pkg) {
  if (have(bin)) return;
  console.log(`installing ${pkg} (apt-get)…`);
  execFileSync('apt-get', ['install', '-y', '-q', pkg], { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!have(bin)) throw new Error(`${bin} is still missing after apt-get install ${pkg}`);
}

export function buildHostsHelper() {
  return bundleBenchScript('batch-hosts');
}

/** Starts the hosts helper; resolves with its READY payload and a stop function. */
export function startHosts(helper, work, n) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [helper, work, String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    const stop = () =>
      new Promise((r) => {
        if (p.exitCode !== null || p.signalCode !== null) return r();
        p.once('exit', () => r());
        p.kill('SIGTERM');
      });
    p.stdout.on('data', (d) => {
      out += d.toString();
      const m = /^READY (.*)$/m.exec(out);
      if (m) resolve({ world: JSON.parse(m[1]), stop });
    });
    p.once('exit', (code) => reject(new Error(`the hosts helper exited (${code}) before it was ready`)));
  });
}

/** CPU time (user + system, every CPU) the whole machine has spent since boot, from /proc/stat. */
function machineCpuSeconds() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: all but idle and iowait.
  return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / 100;
}

/** Processes the machine has started since boot (/proc/stat), for processes per host. */
function machineForks() {
  return Number(/^processes (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1] ?? NaN);
}

/** Runs a command; resolves with wall time (ms), exit code, its output, and /usr/bin/time's figures when wrapped. */
export function timed(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    const timeFile = opts.rss ? path.join(opts.cwd ?? os.tmpdir(), `time-${crypto.randomBytes(3).toString('hex')}`) : null;
    const [c, a] = timeFile ? ['/usr/bin/time', ['-f', '%e %M %U %S', '-o', timeFile, cmd, ...args]] : [cmd, args];
    const cpu0 = machineCpuSeconds();
    const forks0 = machineForks();
    const t0 = performance.now();
    const p = spawn(c, a, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d) => (output = (output + d.toString()).slice(-20000)));
    p.stderr.on('data', (d) => (output = (output + d.toString()).slice(-20000)));
    p.on('exit', (code) => {
      const ms = performance.now() - t0;
      let rssKb = null;
      let cpuS = null;
      if (timeFile && fs.existsSync(timeFile)) {
        const f = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ');
        rssKb = Number(f[1]);
        cpuS = Number(f[2]) + Number(f[3]);
      }
      resolve({ ms, code, output, rssKb, cpuS, machineCpuS: machineCpuSeconds() - cpu0, forks: machineForks() - forks0 });
    });
  });
}

/** Every host has its marker and the unpacked file, whole; then both are removed for the next tool. */
function checkAndClean(hosts, payloadSha) {
  const bad = [];
  for (const h of hosts) {
    const marker = path.join(h.home, 'bench', 'marker');
    const payload = path.join(h.home, 'bench', 'payload.bin');
    const ok = fs.existsSync(marker) && fs.readFileSync(marker, 'utf8').trim() === 'ok' && fs.existsSync(payload) && crypto.createHash('sha256').update(fs.readFileSync(payload)).digest('hex') === payloadSha;
    if (!ok) bad.push(`${h.user}@${h.host}:${h.port}`);
  }
  clean(hosts);
  return bad;
}

function clean(hosts) {
  for (const h of hosts) {
    for (const f of ['bench', 'bench-pkg.tar.gz', '.ansible']) fs.rmSync(path.join(h.home, f), { recursive: true, force: true });
  }
}

// rootKeys false: the profile as versions before the engine split read it (upload and unpack had no root).
const PROFILE = (pkg, sha, rootKeys = true) => `schema: 2
id: bench-package
name: Bench package
description: Uploads a 1 MiB package, unpacks it, writes a marker (npm run bench -- batch).
os: [linux]
connectivity: [direct]
linux:
  shell: bash
  installDir: /opt/bench-package
  steps:
    - id: upload
      phase: transfer
      title: { en: "Upload the package" }
      action: { upload: { ${rootKeys ? 'root: false, ' : ''}from: "${pkg}", to: bench-pkg.tar.gz, sha256: "${sha}" } }
    - id: unpack
      phase: install
      title: { en: "Unpack the package" }
      action: { unpack: { ${rootKeys ? 'root: false, ' : ''}archive: bench-pkg.tar.gz, dest: bench, format: tar.gz, sha256: "${sha}" } }
    - id: marker
      phase: install
      title: { en: "Write the marker" }
      action: { exec: { root: false, script: [echo, ok, { op: ">" }, bench/marker], exitCode: 0 } }
`;

const PLAYBOOK = (pkg) => `- hosts: bench
  gather_facts: false
  tasks:
    - name: upload the package
      copy: { src: "${pkg}", dest: "~/bench-pkg.tar.gz", mode: "0600" }
    - name: the folder
      file: { path: "~/bench", state: directory }
    - name: unpack it
      unarchive: { src: "~/bench-pkg.tar.gz", dest: "~/bench", remote_src: true }
    - name: write the marker
      copy: { content: "ok\\n", dest: "~/bench/marker" }
`;

/** --hosts N (at most 250: one loopback address each) and --concurrency N; root, as sshd switches users. */
export function hostOptions(argv, UsageError) {
  const opt = (name, dflt) => {
    const i = argv.indexOf(name);
    if (i < 0) return dflt;
    const v = Number(argv[i + 1]);
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`${name} wants a whole number, not "${argv[i + 1]}"`);
    return v;
  };
  const n = opt('--hosts', 200);
  const concurrency = opt('--concurrency', 50);
  if (n > 250) throw new UsageError('--hosts: at most 250 (one loopback address each)');
  if (process.getuid?.() !== 0) throw new Error('needs root: sshd switches to the per-host users');
  return { n, concurrency };
}

export async function runBatchBench(argv, { ROOT, table, UsageError }) {
  const { n, concurrency } = hostOptions(argv, UsageError);
  ensurePackage('parallel-ssh', 'pssh');
  ensurePackage('ansible-playbook', 'ansible');
  if (!fs.existsSync('/usr/bin/time')) ensurePackage('/usr/bin/time', 'time');
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli', 'index.mjs'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-batch-'));
  fs.chmodSync(work, 0o755);
  // The package: 1 MiB of random bytes (incompressible), tar.gz.
  const src = path.join(work, 'pkg');
  fs.mkdirSync(src);
  const payload = crypto.randomBytes(1 << 20);
  fs.writeFileSync(path.join(src, 'payload.bin'), payload);
  const payloadSha = crypto.createHash('sha256').update(payload).digest('hex');
  const pkg = path.join(work, 'bench-pkg.tar.gz');
  execFileSync('tar', ['-czf', pkg, '-C', src, 'payload.bin']);
  fs.chmodSync(pkg, 0o644);
  const pkgSha = crypto.createHash('sha256').update(fs.readFileSync(pkg)).digest('hex');

  console.log(`starting ${n} sshd hosts on loopback…`);
  const helper = await buildHostsHelper();
  const t0 = performance.now();
  const { world, stop } = await startHosts(helper, work, n);
  console.log(`${n} hosts up in ${((performance.now() - t0) / 1000).toFixed(1)} s (package ${(fs.statSync(pkg).size / 1048576).toFixed(2)} MiB)`);
  const results = {};
  // OUTPOST_BENCH_TOOLS=outpost (comma list) runs only some tools: for profiling, not for figures.
  const tools = (process.env.OUTPOST_BENCH_TOOLS ?? 'outpost,pssh,ansible').split(',');
  const baseline = process.env.OUTPOST_BENCH_BASELINE ? path.resolve(process.env.OUTPOST_BENCH_BASELINE) : null;
  if (baseline && !fs.existsSync(path.join(baseline, 'dist', 'cli', 'index.mjs'))) throw new Error(`OUTPOST_BENCH_BASELINE: ${baseline} has no dist/cli/index.mjs (run npm run build there)`);
  const skipped = { ms: NaN, code: 0, output: '', bad: [] };
  try {
    clean(world.hosts);
    const kh = path.join(work, 'known_hosts');
    const sshOpts = [`UserKnownHostsFile=${kh}`, 'GlobalKnownHostsFile=/dev/null', 'StrictHostKeyChecking=yes', `IdentityFile=${world.key}`, 'IdentitiesOnly=yes', 'BatchMode=yes'];

    // (a) Outpost
    fs.mkdirSync(path.join(work, 'profiles'));
    fs.writeFileSync(path.join(work, 'profiles', 'bench-package.yaml'), PROFILE(pkg, pkgSha));
    // The install folder every host's user can write (preflight's privilege check passes without sudo);
    // the steps themselves write in each user's home.
    const shared = path.join(work, 'shared');
    fs.mkdirSync(shared);
    fs.chmodSync(shared, 0o1777);
    fs.writeFileSync(path.join(work, 'answers.yaml'), `profile: bench-package\nos: linux\nconnectivity: { mode: direct, accessIp: 127.0.0.1 }\ntargets: []\noptions: { installDir: ${shared} }\n`);
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, OUTPOST_DATA_DIR: path.join(work, 'data') };
    const report = path.join(work, 'report.json');
    // Run as a user's shell runs it: the file itself, with its shebang's Node flags.
    const o = !tools.includes('outpost') ? skipped : await timed(path.join(ROOT, 'bin', 'outpost.mjs'), ['batch', path.join(work, 'answers.yaml'), '--hosts', path.join(work, 'hosts.csv'), '--concurrency', String(concurrency), '--known-hosts', kh, '--profiles', path.join(work, 'profiles'), '--report', report], { cwd: work, env, rss: true });
    results.outpost = o === skipped ? o : { ...o, bad: checkAndClean(world.hosts, payloadSha) };

    // (a') OUTPOST_BENCH_BASELINE=<another checkout, built>: the same batch by that version, in the same
    // run on the same hosts ("no slower than before").
    if (baseline) {
      fs.mkdirSync(path.join(work, 'profiles-baseline'));
      fs.writeFileSync(path.join(work, 'profiles-baseline', 'bench-package.yaml'), PROFILE(pkg, pkgSha, false));
      const b = await timed(path.join(baseline, 'bin', 'outpost.mjs'), ['batch', path.join(work, 'answers.yaml'), '--hosts', path.join(work, 'hosts.csv'), '--concurrency', String(concurrency), '--known-hosts', kh, '--profiles', path.join(work, 'profiles-baseline'), '--report', path.join(work, 'report-baseline.json')], { cwd: work, env: { ...env, OUTPOST_DATA_DIR: path.join(work, 'data-baseline') }, rss: true });
      results.baseline = { ...b, bad: checkAndClean(world.hosts, payloadSha) };
      if (b.code !== 0) console.log(`baseline outpost batch exited ${b.code}:\n${b.output.split('\n').slice(-15).join('\n')}`);
    }
    if (o.code !== 0) console.log(`outpost batch exited ${o.code}:\n${o.output.split('\n').slice(-15).join('\n')}`);

    // (b) parallel-scp + parallel-ssh
    const psshArgs = ['-h', path.join(work, 'pssh-hosts'), '-p', String(PEER_PARALLEL), '-t', '600', ...sshOpts.flatMap((x) => ['-O', x])];
    const scp = !tools.includes('pssh') ? skipped : await timed('parallel-scp', [...psshArgs, pkg, 'bench-pkg.tar.gz'], { cwd: work });
    const ssh = !tools.includes('pssh') ? skipped : await timed('parallel-ssh', [...psshArgs, 'mkdir -p bench && tar -xzf bench-pkg.tar.gz -C bench && echo ok > bench/marker'], { cwd: work });
    results.pssh = { ms: scp.ms + ssh.ms, machineCpuS: (scp.machineCpuS ?? NaN) + (ssh.machineCpuS ?? NaN), forks: (scp.forks ?? NaN) + (ssh.forks ?? NaN), code: scp.code || ssh.code, output: scp.output + ssh.output, bad: checkAndClean(world.hosts, payloadSha) };
    if (results.pssh.code !== 0) console.log(`pssh exited ${scp.code}/${ssh.code}:\n${results.pssh.output.split('\n').slice(-10).join('\n')}`);

    // (c) ansible-playbook
    const cp = path.join(work, 'cp');
    fs.mkdirSync(cp);
    fs.writeFileSync(
      path.join(work, 'ansible.cfg'),
      [
        '[defaults]',
        `inventory = ${path.join(work, 'inventory.ini')}`,
        `forks = ${PEER_PARALLEL}`,
        'host_key_checking = True',
        `private_key_file = ${world.key}`,
        'interpreter_python = /usr/bin/python3',
        'gathering = explicit',
        'retry_files_enabled = False',
        `local_tmp = ${path.join(work, 'ansible-tmp')}`,
        '[ssh_connection]',
        'pipelining = True',
        `ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s ${sshOpts.map((x) => `-o ${x}`).join(' ')}`,
        `control_path_dir = ${cp}`,
        '',
      ].join('\n'),
    );
    fs.writeFileSync(path.join(work, 'playbook.yml'), PLAYBOOK(pkg));
    const an = !tools.includes('ansible') ? skipped : await timed('ansible-playbook', [path.join(work, 'playbook.yml')], { cwd: work, env: { ...process.env, ANSIBLE_CONFIG: path.join(work, 'ansible.cfg'), ANSIBLE_NOCOLOR: '1' } });
    results.ansible = an === skipped ? an : { ...an, bad: checkAndClean(world.hosts, payloadSha) };
    if (an.code !== 0) console.log(`ansible-playbook exited ${an.code}:\n${an.output.split('\n').slice(-15).join('\n')}`);
    // Ansible's ControlPersist masters would outlive the run: close them.
    try {
      execFileSync('sh', ['-c', `for s in ${cp}/*; do [ -S "$s" ] && ssh -o ControlPath="$s" -O exit x 2>/dev/null; done; true`]);
    } catch {
      /* none left */
    }
  } finally {
    await stop();
    fs.rmSync(work, { recursive: true, force: true });
  }

  const s = (x) => `${(x / 1000).toFixed(2)} s`;
  const row = (name, r, slots) => Number.isNaN(r.ms) ? [name, 'skipped', '', '', '', '', ''] : [name, s(r.ms), `${((r.ms * slots) / n).toFixed(0)} ms`, `${r.machineCpuS.toFixed(0)} s`, `${(r.forks / n).toFixed(0)}`, r.bad.length ? `${n - r.bad.length}/${n} (missing: ${r.bad.slice(0, 3).join(', ')}${r.bad.length > 3 ? '…' : ''})` : `${n}/${n}`, r.code === 0 ? 'ok' : `exit ${r.code}`];
  console.log(
    table([
      ['tool', 'wall time', 'per-host mean', 'machine CPU', 'processes / host', 'markers', 'exit'],
      row(`outpost batch --concurrency ${concurrency}`, results.outpost, concurrency),
      ...(results.baseline ? [row(`baseline (${path.basename(baseline)}) --concurrency ${concurrency}`, results.baseline, concurrency)] : []),
      row(`parallel-scp + parallel-ssh -p ${PEER_PARALLEL}`, results.pssh, PEER_PARALLEL),
      row(`ansible-playbook forks ${PEER_PARALLEL}, pipelining`, results.ansible, PEER_PARALLEL),
    ]),
  );
  const rssMb = results.outpost.rssKb ? results.outpost.rssKb / 1024 : NaN;
  const rp = results.outpost.ms / results.pssh.ms;
  const ra = results.outpost.ms / results.ansible.ms;
  const valid = (r) => r.bad.length === 0 && r.code === 0;
  const v = (ok, r) => (!valid(results.outpost) || !valid(r) ? 'INVALID (a run did not install everywhere)' : ok ? 'PASS' : 'FAIL');
  console.log(
    table([
      ['measure', 'value', 'target', 'verdict'],
      ['Outpost / pssh (wall time)', `${rp.toFixed(2)}×`, `≤ ${TARGET_PSSH}×`, v(rp <= TARGET_PSSH, results.pssh)],
      ['Outpost / Ansible (wall time)', `${ra.toFixed(2)}×`, `≤ ${TARGET_ANSIBLE}×`, v(ra <= TARGET_ANSIBLE, results.ansible)],
      ...(results.baseline ? [['Outpost / baseline (wall time)', `${(results.outpost.ms / results.baseline.ms).toFixed(2)}×`, '≤ 1×', !valid(results.outpost) || !valid(results.baseline) ? 'INVALID (a run did not install everywhere)' : results.outpost.ms <= results.baseline.ms ? 'PASS' : 'FAIL']] : []),
      ['Outpost process CPU (user + system)', results.outpost.cpuS == null ? 'n/a' : `${results.outpost.cpuS.toFixed(1)} s`, '', ''],
      ['Outpost peak RSS', `${rssMb.toFixed(0)} MB`, `≤ ${TARGET_RSS_MB} MB`, rssMb <= TARGET_RSS_MB ? 'PASS' : 'FAIL'],
    ]),
  );
}
