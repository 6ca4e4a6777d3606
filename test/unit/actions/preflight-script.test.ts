// The preflight script's facts under the real shells a host has (dash as sh, and bash): one process
// for each of date, uname, id and df, parsed by the shell itself; they must say what those tools say.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseFacts, preflightScript } from '../../../electron/core/actions/probe/preflight';

const run = (shell: string, script: string, user?: string) =>
  user ? execFileSync('su', ['-s', `/bin/${shell}`, user, '-c', script], { encoding: 'utf8' }) : execFileSync(shell, ['-s'], { input: script, encoding: 'utf8' });

describe('preflightScript', () => {
  for (const shell of ['sh', 'bash']) {
    it(`${shell}: time, system, identity and free space as date, uname, id and df say`, () => {
      const t0 = Math.floor(Date.now() / 1000);
      const f = parseFacts(run(shell, preflightScript({ installDir: `${os.tmpdir()}/no/such/dir`, reach: [], sudo: false })));
      expect(Number(f.get('now'))).toBeGreaterThanOrEqual(t0);
      expect(f.get('tz')).toMatch(/^[+-]\d{4}$/);
      expect(f.get('os')).toBe('Linux');
      expect(f.get('arch')).toBe(execFileSync('uname', ['-m'], { encoding: 'utf8' }).trim());
      expect(f.get('uid')).toBe(String(process.getuid?.()));
      expect(f.get('user')).toBe(execFileSync('id', ['-un'], { encoding: 'utf8' }).trim());
      expect(f.get('diskdir')).toBe(os.tmpdir());
      const avail = execFileSync('df', ['-Pk', os.tmpdir()], { encoding: 'utf8' }).split('\n')[1]?.split(/\s+/)[3];
      expect(Number(f.get('diskfree_kb'))).toBeGreaterThan(0);
      expect(Math.abs(Number(f.get('diskfree_kb')) - Number(avail))).toBeLessThan(1024 * 100);
      // sudo is not asked about when no step runs as root.
      expect(f.has('sudo')).toBe(false);
      expect(parseFacts(run(shell, preflightScript({ installDir: '/', reach: [] }))).has('sudo')).toBe(true);
    });
  }

  it('another user: its own uid and name (tests run as root)', () => {
    const f = parseFacts(run('sh', preflightScript({ installDir: '/', reach: [], sudo: false }), 'nobody'));
    expect(f.get('uid')).toBe(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim());
    expect(f.get('user')).toBe('nobody');
  });
});
