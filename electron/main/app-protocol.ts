// The window loads the renderer from app://outpost/, not file://: with the
// grantFileProtocolExtraPrivileges fuse off, file:// pages get no more than in a browser, and a
// custom protocol lets the CSP be an HTTP header (frame-ancestors included), as in browser mode.
import { protocol } from 'electron';
import { APP_SCHEME, appResponse } from './app-content';

export { APP_URL } from './app-content';

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** Serves the renderer build on app://outpost/ (after the app is ready). */
export function handleAppScheme(rendererDir: string): void {
  protocol.handle(APP_SCHEME, (request) => appResponse(rendererDir, request.url));
}
