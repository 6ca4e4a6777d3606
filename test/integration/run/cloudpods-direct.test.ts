// The cloudpods-telegraf profile (seed 003) reporting directly (no proxy, no forward: telegraf writes to
// the URL the answers give, by default the seed's metadata endpoint; a loopback HTTP server stands in for
// InfluxDB or the metadata endpoint, which cannot exist here) and the user-assisted passwordless login
// (cloudroot created with Outpost's key from a login the user gives once), on real sshd hosts. The world
// (hosts, stand-ins) is test/integration/harness/cloudpods-world.ts, shared with cloudpods-telegraf.test.ts.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ADMIN_USER, cleanup, CLOUDROOT_MARK, influx, installDir, proxyUser, removeCloudroot, requests, run, sink, useCloudpodsWorld, vm, vmKeys, writes } from '../harness/cloudpods-world';

useCloudpodsWorld();

describe('cloudpods-telegraf reporting directly, and the user-assisted passwordless login, on real sshd hosts', () => {
  it('direct reporting: no proxy, no forward; telegraf writes to the given URL, which the VM itself reaches and checks, read-only', async () => {
    cleanup();
    const sink_ = sink.address() as AddressInfo;
    for (const prefix of ['', '/monitor']) {
      // A write the previous agent had in flight when it was killed lands before the counts start.
      await new Promise((r) => setTimeout(r, 1500));
      requests.length = 0;
      writes.length = 0;
      const url = `http://${sink_.address}:${sink_.port}${prefix}`;
      const { end, text } = await run({ influxUrl: url });
      expect(end.outcome, `${end.failedStep ?? ''} ${end.reason ?? ''} ${end.hint ?? ''}`).toBe('done');
      expect(text).not.toMatch(/"hostId":"(jump0|proxy0)"/);
      // Nothing runs on the proxy's account (ps exits 1 when it lists nothing).
      let procs = '';
      try {
        procs = execFileSync('ps', ['-u', proxyUser.name, '-o', 'args='], { encoding: 'utf8' });
      } catch {
        /* no process */
      }
      expect(procs).not.toMatch(/ssh .*-R /);
      expect(fs.readFileSync(path.join(installDir, 'telegraf.conf'), 'utf8')).toContain(`urls = ["${url}"]`);
      // From the VM to that URL: the preflight's reach, then /ping and SHOW DATABASES (reads only).
      expect(text).toContain(`${url} answered HTTP 204`);
      expect(text).toMatch(/InfluxDB 1\.8\.10 answered \/ping/);
      expect(text).toContain('database telegraf exists');
      expect(text).toContain(`no write errors in ${installDir}/telegraf.log since telegraf started `);
      expect(requests).toContain(`GET ${prefix}/ping`);
      expect(requests.some((r) => r.startsWith(`GET ${prefix}/query?q=SHOW`))).toBe(true);
      expect(requests.filter((r) => r.startsWith('POST ') && !r.startsWith(`POST ${prefix}/write?db=telegraf`)), `${prefix}: ${requests.join(", ")}`).toEqual([]);
      const deadline = Date.now() + 10_000;
      while (!writes.some((w) => w.body.startsWith('cpu,host=vm-1 ')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(writes.find((w) => w.body.startsWith('cpu,host=vm-1 '))?.url).toBe(`${prefix}/write?db=telegraf`);
      expect(writes.filter((w) => w.body.startsWith('outpost_check'))).toEqual([]);
      cleanup();
    }
    // InfluxDB answers the reads but refuses the writes: only telegraf's own log says so, and the verify fails on it.
    influx.refuseWrites = true;
    try {
      const refused = await run({ influxUrl: `http://${sink_.address}:${sink_.port}` });
      expect(refused.end.outcome).toBe('failed');
      expect(refused.end.failedStep).toBe('verify');
      expect(refused.text).toContain('database telegraf exists');
      expect(refused.text).toMatch(/telegraf could not write, \d+ errors since it started; the last: \S+ E! \[outputs\.influxdb\] When writing to \[http:[^\]]+\]: received error \{\\"error\\":\\"partial write: points beyond retention policy dropped=1\\"\} \(500\)/);
      expect(refused.text).toContain("telegraf's writes to http://");
    } finally {
      influx.refuseWrites = false;
      cleanup();
    }
    // A URL the VM cannot reach: the preflight says so on that host, before anything is installed.
    fs.rmSync(path.join(installDir, 'telegraf.conf'), { force: true });
    const closed = await new Promise<number>((resolve) => {
      const srv = net.createServer();
      srv.listen(0, sink_.address, () => {
        const port = (srv.address() as AddressInfo).port;
        srv.close(() => resolve(port));
      });
    });
    const unreachable = `http://${sink_.address}:${closed}/monitor`;
    const { end, text } = await run({ influxUrl: unreachable });
    expect(end.outcome).toBe('failed');
    expect(end.failedStep).toBe('preflight');
    expect(text).toContain(`this VM cannot reach ${unreachable} (no HTTP answer within 10 s)`);
    expect(fs.existsSync(path.join(installDir, 'telegraf.conf'))).toBe(false);
  }, 240_000);
  // The seed's user-assisted passwordless login: the admin's password given once, cloudroot made with key login.
  it('user-assisted passwordless login: cloudroot created with the key, a key login as cloudroot checked; the password nowhere; a cloudroot someone else made is left alone', async () => {
    cleanup();
    removeCloudroot();
    const sink_ = sink.address() as AddressInfo;
    const url = `http://${sink_.address}:${sink_.port}`;
    const keyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-cloudroot-key-'));
    const key = path.join(keyDir, 'cloudroot_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'outpost-test', '-f', key]);
    const pub = fs.readFileSync(`${key}.pub`, 'utf8');
    try {
      // A cloudroot that is another admin's: the run stops at that step and changes nothing of it.
      execFileSync('useradd', ['-M', '-d', '/home/cloudroot', '-s', '/bin/sh', '-c', 'made by the test as another admin', 'cloudroot']);
      const foreign = await run({ influxUrl: url, admin: vmKeys, cloudrootKey: key });
      expect(foreign.end.outcome).toBe('failed');
      expect(foreign.end.failedStep).toBe('cloudroot-user');
      expect(foreign.text).toContain("A user cloudroot that Outpost did not create is left as it is: remove it yourself");
      expect(foreign.text).toContain("a user cloudroot exists that Outpost did not create (comment: 'made by the test as another admin'): it is left as it is");
      expect(execFileSync('getent', ['passwd', 'cloudroot'], { encoding: 'utf8' })).toContain(':made by the test as another admin:');
      expect(fs.existsSync('/home/cloudroot/.ssh/authorized_keys')).toBe(false);
      expect(fs.existsSync('/etc/sudoers.d/outpost-cloudroot')).toBe(false);
      execFileSync('userdel', ['cloudroot']);

      // The real thing, watching every process's command line while it runs.
      const seen = new Set<string>();
      let watching = true;
      const watch = (async () => {
        while (watching) {
          try {
            for (const l of execFileSync('ps', ['-eo', 'args='], { encoding: 'utf8' }).split('\n')) seen.add(l);
          } catch {
            /* ps between processes */
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      })();
      const made = await run({ influxUrl: url, admin: vmKeys, cloudrootKey: key });
      watching = false;
      await watch;
      expect(made.end.outcome, `${made.end.failedStep ?? ''} ${made.end.reason ?? ''} ${made.end.hint ?? ''}`).toBe('done');
      const entry = execFileSync('getent', ['passwd', 'cloudroot'], { encoding: 'utf8' }).trim().split(':');
      expect(entry[4]).toBe(CLOUDROOT_MARK);
      expect(entry[5]).toBe('/home/cloudroot');
      const uid = Number(entry[2]);
      const dotSsh = fs.lstatSync('/home/cloudroot/.ssh');
      const ak = fs.lstatSync('/home/cloudroot/.ssh/authorized_keys');
      expect([dotSsh.isDirectory(), dotSsh.uid, (dotSsh.mode & 0o777).toString(8)]).toEqual([true, uid, '700']);
      expect([ak.isFile(), ak.uid, (ak.mode & 0o777).toString(8)]).toEqual([true, uid, '600']);
      expect(fs.readFileSync('/home/cloudroot/.ssh/authorized_keys', 'utf8')).toBe(pub);
      expect((fs.statSync('/etc/sudoers.d/outpost-cloudroot').mode & 0o777).toString(8)).toBe('440');
      // Outpost's own check: a second login, as cloudroot with the key.
      expect(made.text).toContain(`logged in as cloudroot with the key ${key} (host key verified)`);
      // And independently: OpenSSH's client, host key checked, the key only: cloudroot, with sudo.
      const kh = path.join(keyDir, 'known_hosts');
      fs.writeFileSync(kh, `[${vmKeys.host}]:${vmKeys.port} ${vmKeys.hostPublicKey}\n`);
      const who = execFileSync('ssh', ['-i', key, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'PasswordAuthentication=no', '-o', `UserKnownHostsFile=${kh}`, '-o', 'StrictHostKeyChecking=yes', '-p', String(vmKeys.port), `cloudroot@${vmKeys.host}`, 'id -un; sudo -n true && echo sudo-ok'], { encoding: 'utf8', timeout: 20_000 });
      expect(who.split('\n')).toEqual(['cloudroot', 'sudo-ok', '']);
      // The password given once: on no command line, in no event, journal or output.
      expect(seen.size).toBeGreaterThan(10);
      expect([...seen].filter((l) => l.includes(ADMIN_USER.password))).toEqual([]);
      expect(made.text).not.toContain(ADMIN_USER.password);

      // Run again: the cloudroot Outpost made is Outpost's, so it goes on (one key, the same user).
      const again = await run({ influxUrl: url, admin: vmKeys, cloudrootKey: key });
      expect(again.end.outcome, `${again.end.failedStep ?? ''} ${again.end.reason ?? ''}`).toBe('done');
      expect(again.text).toContain('user cloudroot exists (created by Outpost)');
      expect(Number(execFileSync('getent', ['passwd', 'cloudroot'], { encoding: 'utf8' }).split(':')[2])).toBe(uid);

      // Where sshd does not honour the user's authorized_keys, the key login fails the verify, saying so.
      const refused = await run({ influxUrl: url, admin: vm, cloudrootKey: key });
      expect(refused.end.outcome).toBe('failed');
      expect(refused.end.failedStep).toBe('verify');
      expect(refused.text).toContain(`the key ${key} did not log in as cloudroot`);
    } finally {
      cleanup();
      removeCloudroot();
      fs.rmSync(keyDir, { recursive: true, force: true });
    }
  }, 300_000);
});
