// The loopback sshd module's pure parts: the loopback guard and the process table (no sshd started).
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { descendants, descendantsIn, descendantsSync, freePort, isLoopbackV4, listProcesses, listProcessesSync, LoopbackSshd, type ProcInfo } from '../../../electron/demo/sshd';

describe('LoopbackSshd', () => {
  it('refuses any address outside 127.0.0.0/8', () => {
    for (const host of ['10.0.0.1', '0.0.0.0', '::1', 'localhost', '127.0.0', '128.0.0.1', '127.0.0.256']) {
      expect(isLoopbackV4(host), host).toBe(false);
      expect(() => new LoopbackSshd(host, '/tmp', '/usr/sbin/sshd'), host).toThrow(/127\.0\.0\.0\/8 only/);
    }
    expect(isLoopbackV4('127.100.7.11')).toBe(true);
    expect(new LoopbackSshd('127.0.0.1', '/tmp/x', '/usr/sbin/sshd').logFile).toBe('/tmp/x/sshd.log');
  });

  it('finds a free port on a loopback address', async () => {
    const port = await freePort('127.0.0.1');
    expect(port).toBeGreaterThan(0);
  });
});

describe('process table', () => {
  const p = (pid: number, ppid: number): ProcInfo => ({ pid, ppid, pgid: pid, uid: 0, args: '' });

  it('walks children, grandchildren and no one else', () => {
    const all = [p(1, 0), p(10, 1), p(11, 10), p(12, 11), p(13, 10), p(20, 1)];
    expect(descendantsIn(all, 10).sort()).toEqual([11, 12, 13]);
    expect(descendantsIn(all, 12)).toEqual([]);
    // ps lists pid 0 as its own parent: no endless walk.
    expect(descendantsIn([p(0, 0), p(1, 0)], 0)).toEqual([1]);
  });

  it('lists this process, and a child of it, the same way sync and async', async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const pid = child.pid ?? 0;
      for (const list of [await listProcesses(), listProcessesSync()]) {
        const me = list.find((x) => x.pid === process.pid);
        expect(me?.ppid).toBe(process.ppid);
        expect(list.find((x) => x.pid === pid)?.args).toBe('sleep 30');
      }
      expect(await descendants(process.pid)).toContain(pid);
      expect(descendantsSync(process.pid)).toContain(pid);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
