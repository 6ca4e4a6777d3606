// What the app's web contents may do, as plain functions over the few Electron methods they use, so
// a unit test can drive them with fakes: no navigation away from the app's page in any frame, no
// webviews, no windows (allow-listed https links go to the user's browser), and no permissions
// except the clipboard for the app's own page (the terminal's copy and paste).
import type { Session, WebContents } from 'electron';

/** The only permissions granted, and only to the app's own page in the main frame. */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set(['clipboard-read', 'clipboard-sanitized-write']);

/** Whether a frame URL is the app's page (query and fragment ignored). */
export function isAppUrl(url: string, appUrl: string): boolean {
  try {
    const u = new URL(url);
    const app = new URL(appUrl);
    return u.protocol === app.protocol && u.host === app.host && u.pathname === app.pathname;
  } catch {
    return false;
  }
}

export function permissionGranted(permission: string, requestingUrl: string, appUrl: string, isMainFrame: boolean): boolean {
  return isMainFrame && GRANTED_PERMISSIONS.has(permission) && isAppUrl(requestingUrl, appUrl);
}

type SessionLike = Pick<Session, 'setPermissionRequestHandler' | 'setPermissionCheckHandler'>;

/** Denies every permission request and check, but the clipboard for the app's page. */
export function hardenSession(ses: SessionLike, appUrl: string): void {
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    callback(permissionGranted(permission, details.requestingUrl, appUrl, details.isMainFrame));
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin, details) =>
    permissionGranted(permission, details.requestingUrl ?? requestingOrigin, appUrl, details.isMainFrame ?? false),
  );
}

interface PreventableUrl {
  url: string;
  isMainFrame?: boolean;
  preventDefault(): void;
}

type ContentsLike = Pick<WebContents, 'setWindowOpenHandler'> & {
  on(event: 'will-navigate' | 'will-frame-navigate' | 'will-redirect', listener: (details: PreventableUrl) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
};

/**
 * The main frame may only (re)load the app's page; subframes may not navigate at all (the CSP has
 * frame-src 'none' too); webviews and new windows are refused.
 */
export function hardenContents(contents: ContentsLike, appUrl: string, openExternal: (url: string) => void, isAllowedExternal: (url: string) => boolean): void {
  const guard = (d: PreventableUrl) => {
    if (d.isMainFrame === false || d.url !== appUrl) d.preventDefault();
  };
  contents.on('will-navigate', guard);
  contents.on('will-frame-navigate', guard);
  contents.on('will-redirect', guard);
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isAllowedExternal(url)) openExternal(url);
    return { action: 'deny' };
  });
}
