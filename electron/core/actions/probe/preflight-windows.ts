// Preflight on a Windows target, as the seed asks of Windows hosts too: clock and time zone against this
// computer, free disk at the install folder, every agent port reachable from the host. The facts are
// the same `key=value` lines the POSIX script prints, judged by the same function (./preflight.ts).
// - Over SSH: one read-only PowerShell script (PowerShell 4, Windows Server 2012 R2 and later: .NET's
//   DateTime, TimeZoneInfo, DriveInfo and TcpClient; no cmdlet newer than PowerShell 3).
// - This computer (Windows, or Wine on Linux for tests): the facts come from Node itself — it is the
//   same machine — with the install folder's free space read through the platform's path mapping.
// Elevation is its own check (run.ts windowsElevation).
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { ReachTarget } from './preflight';

/** PowerShell's quoting for a literal: single quotes, an inner one doubled. */
const psq = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** Read-only PowerShell: prints now, tz, os, arch, diskdir, diskfree_kb and reach_<port> lines. */
export function windowsPreflightScript(installDir: string, reach: readonly ReachTarget[]): string {
  const lines = [
    "$ErrorActionPreference = 'SilentlyContinue'",
    "'now=' + [int64](([DateTime]::UtcNow - [DateTime]'1970-01-01').TotalSeconds)",
    '$o = [TimeZoneInfo]::Local.GetUtcOffset([DateTime]::Now)',
    "'tz=' + $(if ($o.Ticks -lt 0) { '-' } else { '+' }) + ('{0:00}{1:00}' -f [Math]::Abs($o.Hours), [Math]::Abs($o.Minutes))",
    "'os=Windows'",
    "'arch=' + $env:PROCESSOR_ARCHITECTURE",
    `$d = ${psq(installDir)}`,
    'while ($d -and -not (Test-Path -LiteralPath $d)) { $d = Split-Path -Parent $d }',
    "'diskdir=' + $d",
    "if ($d) { $v = New-Object System.IO.DriveInfo ([System.IO.Path]::GetPathRoot($d)); 'diskfree_kb=' + [int64]($v.AvailableFreeSpace / 1024) }",
  ];
  for (const r of reach) {
    lines.push(
      `$c = New-Object System.Net.Sockets.TcpClient; $a = $c.BeginConnect(${psq(r.host)}, ${r.port}, $null, $null); if ($a.AsyncWaitHandle.WaitOne(5000) -and $c.Connected) { 'reach_${r.port}=open' } else { 'reach_${r.port}=closed' }; $c.Close()`,
    );
  }
  return lines.join('\n') + '\nexit 0\n';
}

function reachable(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** The same facts for this computer, from Node (`localPath` maps a Windows path to where it is here). */
export async function localWindowsFacts(installDir: string, reach: readonly ReachTarget[], localPath: (p: string) => string): Promise<Map<string, string>> {
  const f = new Map<string, string>();
  f.set('now', String(Math.floor(Date.now() / 1000)));
  const off = -new Date().getTimezoneOffset();
  f.set('tz', `${off < 0 ? '-' : '+'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}${String(Math.abs(off) % 60).padStart(2, '0')}`);
  f.set('os', 'Windows');
  f.set('arch', process.arch);
  // The nearest folder that exists, as the POSIX script walks up with dirname.
  let d = installDir;
  while (d && !fs.existsSync(localPath(d))) {
    const up = path.win32.dirname(d);
    if (up === d) break;
    d = up;
  }
  f.set('diskdir', d);
  try {
    const s = fs.statfsSync(localPath(d));
    f.set('diskfree_kb', String(Math.floor((s.bavail * s.bsize) / 1024)));
  } catch {
    /* unknown: judged "free space unknown" */
  }
  const open = await Promise.all(reach.map((r) => reachable(r.host, r.port, 5000)));
  reach.forEach((r, i) => f.set(`reach_${r.port}`, open[i] ? 'open' : 'closed'));
  return f;
}
