// Electron main: lifecycle, the window, and wiring the core to IPC. Everything else lives in core.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { app, BrowserWindow, shell } from 'electron';
import { createCoreDispatcher } from '../core/api/handlers';
import type { CoreContext } from '../core/context';
import { defaultDataDir, findResourcesDir } from '../core/paths';
import { secrets } from '../core/secrets/registry';
import { installIpc } from './ipc';
import { createAppLogger } from './log';
import { SafeStorageSecretStore } from './secret-store';
import { isAllowedExternal, windowOptions } from './window-options';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererIndex = path.join(here, '..', 'renderer', 'index.html');
const appUrl = pathToFileURL(rendererIndex).href;

app.enableSandbox();

app.on('web-contents-created', (_event, contents) => {
  // The app never navigates away from its own page, and never opens windows of its own.
  contents.on('will-navigate', (e, url) => {
    if (url !== appUrl) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
});

async function start(): Promise<void> {
  await app.whenReady();
  const log = createAppLogger();
  const resourcesDir = app.isPackaged ? path.join(process.resourcesPath, 'resources') : findResourcesDir(here);
  const dataDir = process.env.OUTPOST_DATA_DIR ?? app.getPath('userData') ?? defaultDataDir();
  const ctx: CoreContext = {
    appName: 'Outpost',
    version: app.getVersion(),
    mode: 'electron',
    locale: app.getLocale(),
    dataDir,
    resourcesDir,
    log,
    secrets,
    secretStore: new SafeStorageSecretStore(dataDir, secrets),
  };
  installIpc(createCoreDispatcher(ctx), () => appUrl);
  const win = new BrowserWindow(windowOptions(path.join(here, '..', 'preload', 'index.cjs')));
  win.once('ready-to-show', () => win.show());
  await win.loadFile(rendererIndex);
  log.info(`Outpost ${ctx.version} started; log file ${log.file}`);
}

app.on('window-all-closed', () => app.quit());
start().catch((err: unknown) => {
  process.stderr.write(`Outpost failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  app.exit(1);
});
