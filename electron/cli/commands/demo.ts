// `outpost demo`: try the whole flow without a cloud account. Starts the loopback sandbox (a jump
// server and target hosts as real sshd run as you, a stand-in LTS backend), opens browser mode with
// the wizard pre-filled to install the fixture agent there, shows heartbeats as they arrive, and
// stops everything it started on Ctrl-C / SIGTERM.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Heartbeat } from '../../demo/backend';
import { startSandbox, type Sandbox } from '../../demo/sandbox';
import { OutpostError } from '../../core/errors';
import { secretHint } from '../../core/service';
import { openInBrowser, type Launcher } from '../../web/launcher';
import { cliContext } from '../context';
import { EXIT } from '../exit';
import { rendererDir, startServe, waitForSignal } from './serve';

export interface DemoOptions {
  port?: number;
  open: boolean;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description(
      'Try Outpost without a cloud account: starts a sandbox on loopback (a jump server, 2 hosts and a stand-in LTS backend, ' +
        'as OpenSSH servers run as you, no root needed) and opens the wizard pre-filled to install a fixture agent there. ' +
        'Nothing leaves this computer; Ctrl-C stops everything. Needs openssh-server, ssh, bash and curl.',
    )
    .option('-p, --port <port>', 'port for the UI (default: a random free port)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port: "${v}" is not a port number (0-65535)`);
      return n;
    })
    .option('--no-open', 'print the URL but do not open a browser')
    .action(async (opts: DemoOptions) => {
      process.exitCode = await runDemo(opts);
    });
}

const out = (s: string) => process.stdout.write(s);

export async function runDemo(opts: DemoOptions): Promise<number> {
  // Listening from the start: a Ctrl-C while the sandbox starts must still stop what was started.
  let signalled = false;
  const signal = waitForSignal().then(() => {
    signalled = true;
  });
  if (!fs.existsSync(path.join(rendererDir(), 'index.html'))) {
    process.stderr.write(`outpost demo: the UI is not built (${rendererDir()} is missing). Run \`npm run build\` first.\n`);
    return EXIT.failed;
  }
  const ctx = cliContext('browser');
  out('Starting the demo sandbox (OpenSSH servers and a stand-in backend on loopback)…\n');
  let sandbox: Sandbox;
  try {
    sandbox = await startSandbox({ targets: 2, log: ctx.log });
  } catch (err) {
    if (err instanceof OutpostError) {
      process.stderr.write(`outpost demo: ${err.message}\n${err.hint ? `${err.hint}\n` : ''}`);
      return EXIT.failed;
    }
    throw err;
  }
  let launcher: Launcher | null = null;
  const stopAll = async (server?: { close(): Promise<void> }) => {
    out('\nStopping the demo…\n');
    launcher?.remove();
    await server?.close().catch(() => undefined);
    await sandbox.stop();
    out('Demo stopped: every process it started has ended and its folder is removed.\n');
  };
  if (signalled) {
    await stopAll();
    return EXIT.ok;
  }

  // Host keys and journals of demo runs stay in the sandbox, not in your Outpost data folder.
  ctx.dataDir = sandbox.dataDir;
  for (const [key, value] of Object.entries(sandbox.secrets)) ctx.secretStore?.set(key, value, secretHint(value, 'last4'));
  const { jump, targets } = sandbox.hosts;
  const net = `${jump.host.split('.').slice(0, 3).join('.')}.x`;
  const banner =
    `Demo sandbox on ${net}: a jump server, ${targets.length} host${targets.length === 1 ? '' : 's'} and a stand-in LTS backend; nothing leaves this computer. ` +
    'The access keys are fake and the agent is a small test script that sends heartbeats.';
  ctx.initialAnswers = { answers: sandbox.answers, banner, bannerText: { key: 'demo.banner', params: { net, count: targets.length } } };

  const server = await startServe(ctx, opts.port);
  if (!server) {
    await sandbox.stop();
    return EXIT.failed;
  }

  const b = sandbox.backend;
  const rows = [
    ['jump server', jump.name, `${jump.host}:${jump.port}`, jump.fingerprint],
    ...targets.map((t) => ['host', t.name, `${t.host}:${t.port}`, t.fingerprint]),
  ];
  const w = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  out(`\n${banner}\n`);
  for (const r of rows) out(`  ${r.map((c, i) => (i < 3 ? c.padEnd(w[i] ?? 0) : c)).join('  ')}\n`);
  out(`  backend      ${b.host} (agent ports ${[b.ports.heartbeat, ...b.ports.others].join(', ')}; installer on port ${b.ports.http ?? '?'})\n`);
  for (const n of sandbox.notes) out(`Note: ${n}\n`);
  out(`Sandbox folder: ${sandbox.dir}\n`);
  out(`\nOutpost is running in browser mode.\nOpen: ${server.url}\n`);
  out('(Keep this URL private: it carries the access token. Accept the host keys whose fingerprints are listed above. Ctrl-C stops the demo.)\n\n');

  const unsubscribe = b.on('heartbeat', heartbeatReporter(targets.map((t) => t.name)));
  // The token goes through a private file, never on the opener's command line.
  if (opts.open) launcher = openInBrowser(server.origin, server.token);

  await signal;
  unsubscribe();
  await stopAll(server);
  return EXIT.ok;
}

/** A line per host at its first heartbeat; on a terminal, also a counter line kept up to date. */
function heartbeatReporter(hosts: string[]): (hb: Heartbeat) => void {
  const counts = new Map<string, number>(hosts.map((h) => [h, 0]));
  const tty = Boolean(process.stdout.isTTY);
  let last = 0;
  return (hb) => {
    const n = (counts.get(hb.host) ?? 0) + 1;
    counts.set(hb.host, n);
    if (n === 1) {
      out(`${tty ? '\r\x1b[K' : ''}♥ First heartbeat from ${hb.host} through the tunnel: the agent is installed and reporting.\n`);
    }
    const now = Date.now();
    if (tty && now - last > 500) {
      last = now;
      out(`\r\x1b[KHeartbeats: ${[...counts].map(([h, c]) => `${h} ${c}`).join(' · ')}`);
    }
  };
}
