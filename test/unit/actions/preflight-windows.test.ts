// Windows preflight: the PowerShell script's facts judged like the POSIX ones; this computer's facts
// from Node; nothing reported is "could not check", never a pass.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { judgePreflight, parseFacts } from '../../../electron/core/actions/probe/preflight';
import { localWindowsFacts, windowsPreflightScript } from '../../../electron/core/actions/probe/preflight-windows';

const ctx = (now: number) => ({ os: 'windows' as const, localNowSec: now, localTzMinutes: 480, supportedArch: ['x86_64'], reach: [{ name: 'access', host: '10.0.0.5', port: 30200 }], minFreeMiB: 200, installDir: 'C:\\ICAgent' });

describe('Windows preflight', () => {
  it('the script quotes the folder and the reach host as PowerShell literals, and only reads', () => {
    const s = windowsPreflightScript("C:\\Program Files\\it's", [{ name: 'a', host: "x'; Remove-Item C:\\ -Recurse; '", port: 30200 }]);
    expect(s).toContain("$d = 'C:\\Program Files\\it''s'");
    expect(s).toContain("BeginConnect('x''; Remove-Item C:\\ -Recurse; ''', 30200");
    // Outside its quoted literals, nothing that writes.
    expect(s.replace(/'(?:[^']|'')*'/g, "''")).not.toMatch(/Set-|New-Item|Remove-Item|Out-File|>/);
  });

  it('judges what a Windows host printed: clock, zone, system, disk, ports', () => {
    const now = 1_800_000_000;
    const out = [`now=${now + 400}`, 'tz=+0000', 'os=Windows', 'arch=AMD64', 'diskdir=C:\\', 'diskfree_kb=102400', 'reach_30200=closed'].join('\r\n');
    const r = judgePreflight(parseFacts(out), ctx(now));
    const by = (n: string) => r.find((x) => x.name === n);
    expect(by('clock')).toMatchObject({ status: 'fail', detail: '400 s ahead of this computer' });
    expect(by('time zone')).toMatchObject({ status: 'warn' });
    expect(by('system')).toMatchObject({ status: 'pass', detail: 'Windows AMD64' });
    expect(by('disk')).toMatchObject({ status: 'fail', detail: '100 MiB free in C:\\' });
    expect(by('ports')).toMatchObject({ status: 'fail' });
    const good = judgePreflight(parseFacts([`now=${now}`, 'tz=+0800', 'os=Windows', 'arch=AMD64', 'diskdir=C:\\', 'diskfree_kb=9999999', 'reach_30200=open'].join('\n')), ctx(now));
    expect(good.filter((x) => x.status !== 'pass')).toEqual([]);
  });

  it('an ARM host against an x86_64-only agent fails; a host that said nothing of its ports could not check them', () => {
    const r = judgePreflight(parseFacts('now=1\ntz=+0800\nos=Windows\narch=ARM64'), ctx(1));
    expect(r.find((x) => x.name === 'system')).toMatchObject({ status: 'fail', detail: 'Windows ARM64' });
    expect(r.find((x) => x.name === 'ports')).toMatchObject({ status: 'warn', detail: expect.stringContaining('could not check') });
  });

  it("this computer: Node's own facts, the nearest existing folder's free space, a real connection test", async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-winpf-'));
    fs.mkdirSync(path.join(root, 'drive_c'));
    const map = (p: string) => path.join(root, 'drive_c', ...p.replace(/^[A-Za-z]:\\?/, '').split('\\').filter(Boolean));
    const server = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const port = (server.address() as net.AddressInfo).port;
    server.close();
    const closedPort = port; // closed now
    const open = net.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => open.once('listening', r));
    const openPort = (open.address() as net.AddressInfo).port;
    try {
      const f = await localWindowsFacts('C:\\ICAgent\\sub', [{ name: 'a', host: '127.0.0.1', port: openPort }, { name: 'b', host: '127.0.0.1', port: closedPort }], map);
      expect(f.get('os')).toBe('Windows');
      expect(f.get('diskdir')).toBe('C:\\');
      expect(Number(f.get('diskfree_kb'))).toBeGreaterThan(0);
      expect(Math.abs(Number(f.get('now')) - Date.now() / 1000)).toBeLessThan(5);
      expect(f.get(`reach_${openPort}`)).toBe('open');
      expect(f.get(`reach_${closedPort}`)).toBe('closed');
    } finally {
      open.close();
    }
  });
});
