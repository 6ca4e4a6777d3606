import type { CoreContext } from '../../context';
import { subscribe, type Handlers } from '../dispatcher';
import { ptyAvailable } from '../../terminal/local-pty';

export function systemHandlers(ctx: CoreContext): Pick<Handlers, 'events.subscribe' | 'system.info' | 'wizard.initial'> {
  return {
    'events.subscribe': ({ names }, client) => {
      subscribe(client, names);
      return null;
    },
    'system.info': () => ({
      appName: ctx.appName,
      version: ctx.version,
      platform: process.platform === 'linux' || process.platform === 'win32' || process.platform === 'darwin' ? process.platform : 'other',
      arch: process.arch,
      ptyAvailable: ptyAvailable(),
      localWindows: process.platform === 'win32' || Boolean(process.env.OUTPOST_WINE_PREFIX),
      mode: ctx.mode,
      locale: ctx.locale,
      dataDir: ctx.dataDir,
    }),
    'wizard.initial': () => ({ answers: ctx.initialAnswers?.answers ?? null, banner: ctx.initialAnswers?.banner ?? null, ...(ctx.initialAnswers?.bannerText ? { bannerText: ctx.initialAnswers.bannerText } : {}) }),
  };
}
