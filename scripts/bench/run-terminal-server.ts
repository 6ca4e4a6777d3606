// Bench (d) of `npm run bench -- terminal`: browser mode (the real web server, dispatcher, handlers and
// renderer build) whose `terminal.open` gives the view a run terminal instead of a local PTY: an
// interactive step's path, i.e. an SSH channel with a PTY on a loopback sshd (real OpenSSH, throwaway
// user) opened with the core's `exec`, its output masked by the secrets registry (a secret is
// registered, as during any run) and pushed into a RunTerminal, which the TerminalManager wires to the
// view through flow control. With OUTPOST_BENCH_TERMINAL=host, bench (e): `terminal.open` gives the
// view a host terminal instead, the login shell the Result page and the Installed view open
// (openSshShellTo, what openSshShell opens for a plan's host), on the same sshd, attached as the
// `terminal.openSsh` handler attaches it. Bundled by scripts/bench.mjs with esbuild; needs root
// (sshd switches users).
// Prints `Open: <url>` like `outpost serve`; SIGTERM stops everything.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHandlers, createServices } from '../../electron/core/api/handlers';
import { createDispatcher } from '../../electron/core/api/dispatcher';
import { RunTerminal } from '../../electron/core/run/terminal';
import { connectSsh, drainPaused, exec, KnownHosts } from '../../electron/core/ssh';
import { openSshShellTo } from '../../electron/core/terminal/ssh-shell';
import { startWebServer } from '../../electron/web/server';
import { cliContext } from '../../electron/cli/context';
import { ensureTestUser, startSshd, stopAll, TEST_USERS } from '../../test/integration/harness/sshd';

const staticDir = process.env.OUTPOST_RENDERER_DIR ?? path.resolve(import.meta.dirname, '..', 'renderer');

async function main(): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-bench-run-'));
  const ctx = { ...cliContext('browser'), dataDir };
  const user = await ensureTestUser(TEST_USERS.t2);
  const sshd = await startSshd({});
  // A run always knows some secrets (passwords, AK/SK): the output is masked against them.
  ctx.secrets.add(user.password);
  ctx.secrets.add('SKbench-0f1e2d3c4b5a-SECRET');
  // The first connection accepts and records the host key: a host terminal refuses an unknown one.
  const knownHosts = new KnownHosts(path.join(dataDir, 'known_hosts'));
  const conn = await connectSsh({
    host: sshd.host,
    port: sshd.port,
    username: user.name,
    auth: { password: user.password },
    knownHosts,
    hostKeyPolicy: async () => 'accept',
  });
  const services = createServices(ctx);
  const handlers = createHandlers(ctx, services);
  const hostMode = process.env.OUTPOST_BENCH_TERMINAL === 'host';
  if (hostMode) {
    handlers['terminal.open'] = async ({ cols, rows }, client) => {
      const target = { host: sshd.host, port: sshd.port, username: user.name, auth: { password: user.password } };
      const source = await openSshShellTo({ label: `${user.name}@${sshd.host}:${sshd.port}`, target, via: [] }, { cols, rows }, { knownHosts, log: ctx.log });
      return { id: services.terminals.attach(client, source), shell: source.label };
    };
  } else {
    handlers['terminal.open'] = ({ cols, rows }, client) => {
      const terminal = new RunTerminal();
      const id = services.terminals.attach(client, terminal);
      // As runner.ts runs an interactive step: exec with a PTY, output masked, then into the run terminal.
      void exec(conn, 'exec bash --norc --noprofile -i', {
        pty: { cols, rows },
        timeoutMs: 3_600_000,
        tailChars: 8000,
        onChannel: (ch) => terminal.setSink({ write: (d) => ch.write(d), pause: () => ch.pause(), resume: () => ch.resume(), drain: () => drainPaused(ch) }),
        onData: (t) => terminal.push(ctx.secrets.redact(t)),
      }).then(
        (r) => terminal.end(r.exitCode),
        () => terminal.end(null),
      );
      return { id, shell: `ssh ${user.name}@${sshd.host}:${sshd.port}` };
    };
  }
  const server = await startWebServer({ dispatcher: createDispatcher(handlers, { log: ctx.log, secrets: ctx.secrets }), staticDir, log: ctx.log });
  process.stdout.write(`Open: ${server.url}\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  conn.end();
  await server.close();
  await stopAll();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`bench run-terminal server: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
