// The app's logger: electron-log (file + console) behind the shared Logger interface, so every line
// goes through the redactor first.
import log from 'electron-log/main';
import { createLogger, parseLevel, type Level, type Logger } from '../core/log/logger';
import { secrets } from '../core/secrets/registry';

export function createAppLogger(): Logger & { setLevel(l: Level): void; file: string } {
  log.initialize();
  const level = parseLevel(process.env.OUTPOST_LOG_LEVEL, 'info');
  log.transports.file.level = 'debug';
  log.transports.console.level = 'debug';
  const logger = createLogger((lvl, line) => log[lvl](line), { level, secrets });
  return Object.assign(logger, { file: log.transports.file.getFile().path });
}
