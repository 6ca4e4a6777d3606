import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createCoreDispatcher } from '../../core/api/handlers';
import { appRoot } from '../../core/paths';
import { startWebServer } from '../../web/server';
import { cliContext } from '../context';

export function rendererDir(): string {
  return process.env.OUTPOST_RENDERER_DIR ?? path.join(appRoot(), 'dist', 'renderer');
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
    .action(async (opts: { port?: number }) => {
      const ctx = cliContext('browser');
      const staticDir = rendererDir();
      if (!fs.existsSync(path.join(staticDir, 'index.html'))) {
        process.stderr.write(`outpost serve: the UI is not built (${staticDir} is missing). Run \`npm run build\` first.\n`);
        process.exitCode = 1;
        return;
      }
      const server = await startWebServer({ dispatcher: createCoreDispatcher(ctx), staticDir, log: ctx.log, port: opts.port });
      process.stdout.write(`Outpost is running in browser mode.\nOpen: ${server.url}\n(Keep this URL private: it carries the access token. Ctrl-C stops.)\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await server.close();
    });
}
