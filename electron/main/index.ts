// Electron main: lifecycle, the window, and wiring the core to IPC. Everything else lives in core.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, dialog, session, shell, type OpenDialogOptions } from 'electron';
import { createCoreDispatcher } from '../core/api/handlers';
import type { CoreContext } from '../core/context';
import { defaultDataDir, findResourcesDir } from '../core/paths';
import { secrets } from '../core/secrets/registry';
import { APP_URL, handleAppScheme, registerAppScheme } from './app-protocol';
import { hardenContents, hardenSession } from './hardening';
import { installIpc } from './ipc';
import { createAppLogger } from './log';
import { SafeStorageSecretStore } from './secret-store';
import { isAllowedExternal, windowOptions } from './window-options';

const here = path.dirname(fileURLToPath(import.meta.url));
const rendererDir = path.join(here, '..', 'renderer');
// The page is served from app://outpost/ (see app-protocol.ts), never file://.
const appUrl = APP_URL;

app.enableSandbox();
registerAppScheme();

app.on('web-contents-created', (_event, contents) => {
  // The app never navigates away from its own page (in any frame), and never opens windows of its own.
  hardenContents(contents, appUrl, (url) => void shell.openExternal(url), isAllowedExternal);
});

async function start(): Promise<void> {
  await app.whenReady();
  hardenSession(session.defaultSession, appUrl);
  handleAppScheme(rendererDir);
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
    openPath: (folder) => shell.openPath(folder),
    // The host list import: the path comes from this dialog, never from the page.
    pickFile: async ({ title, filters }) => {
      const owner = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
      const opts: OpenDialogOptions = { title, filters, properties: ['openFile'] };
      const r = owner ? await dialog.showOpenDialog(owner, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  };
  installIpc(createCoreDispatcher(ctx), () => appUrl);
  const win = new BrowserWindow(windowOptions(path.join(here, '..', 'preload', 'index.cjs')));
  win.once('ready-to-show', () => win.show());
  await win.loadURL(appUrl);
  log.info(`Outpost ${ctx.version} started; log file ${log.file}`);
}

app.on('window-all-closed', () => app.quit());
start().catch((err: unknown) => {
  process.stderr.write(`Outpost failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  app.exit(1);
});
