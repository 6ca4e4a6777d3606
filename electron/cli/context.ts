import { createLogger, parseLevel, stderrSink } from '../core/log/logger';
import { defaultDataDir, findResourcesDir } from '../core/paths';
import { secrets } from '../core/secrets/registry';
import { MemorySecretStore } from '../core/secrets/store';
import { appVersion } from '../core/version';
import type { CoreContext } from '../core/context';

export function cliContext(mode: CoreContext['mode'] = 'browser'): CoreContext {
  return {
    appName: 'Outpost',
    version: appVersion(),
    mode,
    locale: Intl.DateTimeFormat().resolvedOptions().locale,
    dataDir: defaultDataDir(),
    resourcesDir: findResourcesDir(),
    log: createLogger(stderrSink, { level: parseLevel(process.env.OUTPOST_LOG_LEVEL, 'warn'), secrets }),
    secrets,
    // Browser mode keeps what the user types in this process's memory only, never on disk.
    secretStore: new MemorySecretStore(secrets),
  };
}
