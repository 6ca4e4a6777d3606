import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createCoreDispatcher } from '../../core/api/handlers';
import type { CoreContext } from '../../core/context';
import { appRoot } from '../../core/paths';
import { formatProblem, loadAnswersFile } from '../../core/service';
import { startWebServer, type WebServer } from '../../web/server';
import { cliContext } from '../context';
import { EXIT } from '../exit';

export function rendererDir(): string {
  return process.env.OUTPOST_RENDERER_DIR ?? path.join(appRoot(), 'dist', 'renderer');
}

/** Starts browser mode for a context (serve, demo). Null when the UI is not built (message printed). */
export async function startServe(ctx: CoreContext, port?: number): Promise<WebServer | null> {
  const staticDir = rendererDir();
  if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
    process.stderr.write(`outpost: the UI is not built (${staticDir} is missing). Run \`npm run build\` first.\n`);
    return null;
  }
  return startWebServer({ dispatcher: createCoreDispatcher(ctx), staticDir, log: ctx.log, port });
}

export function waitForSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Open the Outpost UI in your browser (binds 127.0.0.1 only; the printed URL carries an access token).')
    .option('-p, --port <port>', 'port to listen on (default: a random free port)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--port: "${v}" is not a port number (0-65535)`);
      return n;
    })
    .option('--answers <file>', 'start the wizard from this answers file (a saved recipe)')
    .option('--profiles <dir>', 'your profiles folder (default: <data folder>/profiles)')
    .action(async (opts: { port?: number; answers?: string; profiles?: string }) => {
      const ctx = cliContext('browser');
      if (opts.profiles) ctx.profilesDir = path.resolve(opts.profiles);
      if (opts.answers) {
        const r = loadAnswersFile(opts.answers);
        if (!r.ok) {
          for (const p of r.problems) process.stderr.write(`${formatProblem(p)}\n`);
          process.exitCode = EXIT.invalid;
          return;
        }
        ctx.initialAnswers = { answers: r.answers as unknown as Record<string, unknown>, banner: null };
      }
      const server = await startServe(ctx, opts.port);
      if (!server) {
        process.exitCode = EXIT.failed;
        return;
      }
      process.stdout.write(`Outpost is running in browser mode.\nOpen: ${server.url}\n(Keep this URL private: it carries the access token. Ctrl-C stops.)\n`);
      await waitForSignal();
      await server.close();
    });
}
