import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../../electron/common/csp';
import { isAllowedExternal, windowOptions } from '../../../electron/main/window-options';

describe('BrowserWindow security baseline', () => {
  it('isolates the renderer', () => {
    const w = windowOptions('/app/preload.cjs').webPreferences;
    expect(w).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
  });

  it('has a strict CSP: no remote or inline script, no eval, no plugins, no framing', () => {
    const csp = contentSecurityPolicy({ header: true });
    const d = Object.fromEntries(csp.split('; ').map((p) => [p.split(' ')[0], p.split(' ').slice(1)]));
    expect(d['default-src']).toEqual(["'self'"]);
    expect(d['script-src']).toEqual(["'self'"]);
    expect(csp).not.toContain('unsafe-eval');
    expect(d['script-src']).not.toContain("'unsafe-inline'");
    expect(d['object-src']).toEqual(["'none'"]);
    expect(d['frame-ancestors']).toEqual(["'none'"]);
    expect(d['base-uri']).toEqual(["'none'"]);
    expect(d['frame-src']).toEqual(["'none'"]);
  });

  it('keeps frame-ancestors out of the meta-tag form (Chromium ignores it there and logs an error)', () => {
    expect(contentSecurityPolicy()).not.toContain('frame-ancestors');
    expect(contentSecurityPolicy()).toContain("frame-src 'none'");
    expect(contentSecurityPolicy({ header: true })).toContain("frame-ancestors 'none'");
  });

  it('the built page carries the same CSP', async () => {
    const fs = await import('node:fs');
    const html = fs.readFileSync(new URL('../../../dist/renderer/index.html', import.meta.url), 'utf8');
    expect(html).toContain(`content="${contentSecurityPolicy()}"`);
  });

  it('opens only allow-listed https links externally', () => {
    expect(isAllowedExternal('https://support.huaweicloud.com/intl/en-us/usermanual-lts/lts_02_0828.html')).toBe(true);
    expect(isAllowedExternal('http://support.huaweicloud.com/')).toBe(false);
    expect(isAllowedExternal('https://support.huaweicloud.com.evil.example/')).toBe(false);
    expect(isAllowedExternal('https://user:pw@github.com/')).toBe(false);
    expect(isAllowedExternal('file:///etc/passwd')).toBe(false);
    expect(isAllowedExternal('javascript:alert(1)')).toBe(false);
    expect(isAllowedExternal('not a url')).toBe(false);
  });
});
