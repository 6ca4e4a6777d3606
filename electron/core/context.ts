// What the core needs from its host (Electron main, the CLI, browser mode, tests), passed in so
// each host can supply its own: I/O as a parameter, as in Etcher.
import type { Logger } from './log/logger';
import type { SecretRegistry } from './secrets/registry';
import type { SecretStore } from './secrets/store';

export interface CoreContext {
  appName: string;
  version: string;
  mode: 'electron' | 'browser';
  locale: string;
  /** Where journals, known_hosts and settings live. */
  dataDir: string;
  /** Where shipped data lives (profiles, regions, examples). */
  resourcesDir: string;
  log: Logger;
  secrets: SecretRegistry;
  /** Secrets the user typed in the UI; absent in the plain CLI (env variables only). */
  secretStore?: SecretStore;
  /** The user's profiles folder when not `<dataDir>/profiles` (`outpost serve --profiles DIR`). */
  profilesDir?: string;
  /** Opens a folder in the desktop's file manager (Electron: shell.openPath; '' = done, else the error). Absent in browser mode and the CLI. */
  openPath?: (folder: string) => Promise<string>;
  /**
   * Asks the user for a file in a native open dialog (Electron: dialog.showOpenDialog); null when they
   * cancel. Absent in browser mode and the CLI: there no request may name a file for the core to read.
   */
  pickFile?: (opts: { title: string; filters: Array<{ name: string; extensions: string[] }> }) => Promise<string | null>;
  /** Answers the wizard starts from (demo sandbox, `outpost serve --answers`). */
  initialAnswers?: { answers: Record<string, unknown>; banner: string | null; bannerText?: { key: string; params: Record<string, string | number> } };
}
