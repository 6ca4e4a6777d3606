import { createLogger, parseLevel, stderrSink } from '../core/log/logger';
import { defaultDataDir, findResourcesDir } from '../core/paths';
import { secrets } from '../core/secrets/registry';
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
  };
}
