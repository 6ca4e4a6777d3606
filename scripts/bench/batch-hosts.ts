// The world of `npm run bench -- batch --hosts N`: N real OpenSSH servers on loopback, each on its own
// address in 127.0.0.0/8 and a high port, key auth only, each with its own login user (`outpost-bNNN`,
// created once with `newusers`, kept like the test users), so every "host" has a filesystem of its own
// (its home) as real hosts do, and all three tools install to the same relative paths.
// Writes, in the work folder given as argv[2]: the client key, a known_hosts holding every host's key
// (the peers check host keys against it: StrictHostKeyChecking=yes), the Outpost host list (CSV), the
// pssh host list and the Ansible inventory. Prints `READY <json>` and runs until SIGTERM, which stops
// every sshd it started. Bundled by scripts/bench.mjs with esbuild; needs root (sshd switches users).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { generateKeyPair, startSshd, stopAll, type SshdInstance } from '../../test/integration/harness/sshd';

const userName = (i: number) => `outpost-b${String(i + 1).padStart(3, '0')}`;

function ensureUsers(n: number): string[] {
  const names = Array.from({ length: n }, (_, i) => userName(i));
  const missing = names.filter((u) => {
    try {
      execFileSync('id', ['-u', u], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length) {
    // Key auth only: a random password nobody uses (newusers wants one).
    const lines = missing.map((u) => `${u}:${Math.random().toString(36).slice(2)}Aa9!::::/home/${u}:/bin/bash`).join('\n');
    execFileSync('newusers', [], { input: `${lines}\n` });
  }
  return names;
}

async function main(): Promise<void> {
  const work = process.argv[2];
  const n = Number(process.argv[3] ?? '200');
  if (!work || !Number.isInteger(n) || n < 1 || n > 250) throw new Error('usage: batch-hosts WORKDIR N (1-250)');
  fs.mkdirSync(work, { recursive: true });
  const users = ensureUsers(n);
  const key = await generateKeyPair(work, { name: 'client_key' });
  const base = 2 + Math.floor(Math.random() * 200);
  const hosts: SshdInstance[] = [];
  for (let i = 0; i < n; i += 20) {
    const batch = Array.from({ length: Math.min(20, n - i) }, (_, k) => i + k);
    hosts.push(...(await Promise.all(batch.map((j) => startSshd({ address: `127.2.${base}.${j + 1}`, passwordAuth: false, kbdInteractiveAuth: false, logLevel: 'INFO' })))));
  }
  await Promise.all(hosts.map((h, i) => h.authorize(users[i] as string, key.publicKeyLine)));
  const rows = hosts.map((h, i) => ({ host: h.host, port: h.port, user: users[i] as string, home: `/home/${users[i] as string}`, hostKey: h.hostPublicKey }));
  fs.writeFileSync(path.join(work, 'known_hosts'), rows.map((r) => `[${r.host}]:${r.port} ${r.hostKey}`).join('\n') + '\n');
  fs.writeFileSync(path.join(work, 'hosts.csv'), ['host,port,user,privateKey', ...rows.map((r) => `${r.host},${r.port},${r.user},${key.privateKeyPath}`)].join('\n') + '\n');
  fs.writeFileSync(path.join(work, 'pssh-hosts'), rows.map((r) => `${r.user}@${r.host}:${r.port}`).join('\n') + '\n');
  fs.writeFileSync(
    path.join(work, 'inventory.ini'),
    ['[bench]', ...rows.map((r, i) => `h${i + 1} ansible_host=${r.host} ansible_port=${r.port} ansible_user=${r.user}`)].join('\n') + '\n',
  );
  process.stdout.write(`READY ${JSON.stringify({ key: key.privateKeyPath, hosts: rows.map(({ hostKey: _k, ...r }) => r) })}\n`);
  const stop = async () => {
    await stopAll();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  setInterval(() => undefined, 1 << 30);
}

main().catch(async (err: unknown) => {
  process.stderr.write(`batch-hosts: ${err instanceof Error ? err.message : String(err)}\n`);
  await stopAll();
  process.exit(1);
});
