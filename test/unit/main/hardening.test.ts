// The Electron window's rules driven with fakes (no Electron binary here): permissions denied,
// navigation blocked in every frame, the page served from app://outpost/ with the CSP header, and
// the fuses the installer flips.
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { contentSecurityPolicy } from '../../../electron/common/csp';
import { APP_URL, appResponse } from '../../../electron/main/app-content';
import { GRANTED_PERMISSIONS, hardenContents, hardenSession, permissionGranted } from '../../../electron/main/hardening';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

describe('permissions', () => {
  it('denies every permission request but the clipboard for the app page itself', () => {
    type RequestHandler = (wc: unknown, p: string, cb: (ok: boolean) => void, d: { requestingUrl: string; isMainFrame: boolean }) => void;
    type CheckHandler = (wc: unknown, p: string, origin: string, d: { requestingUrl?: string; isMainFrame?: boolean }) => boolean;
    const got = {} as { request?: RequestHandler; check?: CheckHandler };
    const ses = {
      setPermissionRequestHandler: (h: RequestHandler) => (got.request = h),
      setPermissionCheckHandler: (h: CheckHandler) => (got.check = h),
    };
    hardenSession(ses as never, APP_URL);
    const ask = (p: string, url: string, isMainFrame = true) => {
      let answer: boolean | null = null;
      got.request?.(null, p, (ok) => (answer = ok), { requestingUrl: url, isMainFrame });
      return answer;
    };
    for (const p of ['media', 'geolocation', 'notifications', 'openExternal', 'display-capture', 'fileSystem', 'midiSysex', 'unknown']) {
      expect(ask(p, APP_URL), p).toBe(false);
    }
    expect(ask('clipboard-read', APP_URL)).toBe(true);
    expect(ask('clipboard-read', 'https://evil.example/')).toBe(false);
    expect(ask('clipboard-read', APP_URL, false)).toBe(false);
    expect(got.check?.(null, 'media', 'app://outpost', { requestingUrl: APP_URL, isMainFrame: true })).toBe(false);
    expect(got.check?.(null, 'clipboard-sanitized-write', 'app://outpost', { requestingUrl: APP_URL, isMainFrame: true })).toBe(true);
    expect([...GRANTED_PERMISSIONS].sort()).toEqual(['clipboard-read', 'clipboard-sanitized-write']);
    expect(permissionGranted('clipboard-read', 'file:///etc/passwd', APP_URL, true)).toBe(false);
  });
});

describe('navigation', () => {
  function fakeContents() {
    const em = new EventEmitter();
    let openHandler: ((d: { url: string }) => { action: string }) | null = null;
    const contents = Object.assign(em, { setWindowOpenHandler: (h: typeof openHandler) => (openHandler = h) });
    const opened: string[] = [];
    hardenContents(contents as never, APP_URL, (u) => opened.push(u), (u) => u.startsWith('https://github.com/'));
    const attempt = (event: string, url: string, isMainFrame?: boolean) => {
      let prevented = false;
      em.emit(event, { url, isMainFrame, preventDefault: () => (prevented = true) });
      return prevented;
    };
    return { em, attempt, open: (url: string) => openHandler?.({ url }), opened };
  }

  it('blocks navigation away from the app page in the main frame and any navigation in a subframe', () => {
    const c = fakeContents();
    expect(c.attempt('will-navigate', 'https://evil.example/')).toBe(true);
    expect(c.attempt('will-navigate', APP_URL)).toBe(false);
    expect(c.attempt('will-frame-navigate', 'https://evil.example/', false)).toBe(true);
    expect(c.attempt('will-frame-navigate', APP_URL, false)).toBe(true);
    expect(c.attempt('will-frame-navigate', APP_URL, true)).toBe(false);
    expect(c.attempt('will-redirect', 'https://evil.example/', true)).toBe(true);
    expect(c.attempt('will-attach-webview', 'x')).toBe(true);
  });

  it('opens no windows; allow-listed links go to the browser', () => {
    const c = fakeContents();
    expect(c.open('https://github.com/x')).toEqual({ action: 'deny' });
    expect(c.open('https://evil.example/')).toEqual({ action: 'deny' });
    expect(c.opened).toEqual(['https://github.com/x']);
  });
});

describe('app://outpost/', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-app-'));
  fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>app</title>');

  it('serves the page with the CSP header (frame-ancestors included) and nothing outside the build', async () => {
    const page = await appResponse(dir, APP_URL);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(contentSecurityPolicy({ header: true }));
    expect(await page.text()).toContain('<title>app</title>');
    expect((await appResponse(dir, 'app://outpost/%2e%2e/%2e%2e/etc/passwd')).status).toBe(404);
    expect((await appResponse(dir, 'app://outpost/a%00b')).status).toBe(400);
    expect((await appResponse(dir, 'app://other/index.html')).status).toBe(404);
  });
});

describe('installer fuses', () => {
  it('turns off grantFileProtocolExtraPrivileges and the other risky fuses', () => {
    const cfg = YAML.parse(fs.readFileSync(path.join(ROOT, 'build', 'electron-builder.yml'), 'utf8')) as { electronFuses: Record<string, boolean> };
    expect(cfg.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });
});
