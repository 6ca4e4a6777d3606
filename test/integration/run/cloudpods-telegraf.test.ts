// The cloudpods-telegraf profile (seed 003) run for real over SSH, through the API as the wizard drives
// it, on three loopback sshd hosts: the proxy (in the platform's network, reaches InfluxDB), the proxy
// VM (the jump server: in the VMs' network; Outpost reaches the VM through it) and the VM. Real: sshd
// on all three, OpenSSH's ssh -R run by the proxy into the proxy VM with the tunnel key Outpost made
// there (background form: these hosts have no systemd), the authorized_keys line on the proxy VM
// enforced by sshd, the upload with its SHA-256, telegraf.conf and the unit file as written, curl's
// read-only verify (/ping, SHOW DATABASES) and the write test only when asked, the GatewayPorts check
// against the proxy VM's own sshd (sshd -T as root, the file without sudo, could not check, "no"), and
// an HTTP server standing in for InfluxDB that refuses what InfluxDB 1.x refuses (an unknown database,
// a write by GET, queries without credentials when auth is on).
// Stand-ins, because the vendor's binary cannot be downloaded here: `telegraf` (a bash script that
// reads the generated telegraf.conf's urls and database and POSTs line protocol to <url>/write, as
// telegraf's influxdb output does), and `systemctl` (runs the unit's ExecStart in the background).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { grantSudo, revokeSudo } from '../harness/sshd';
import { cleanup, connects, influx, installDir, LISTEN_PORT, proxyUser, proxyVm, proxyVmNo, proxyVmUser, requests, run, sink, sshWithTunnelKey, state, unitDir, useCloudpodsWorld, writes } from '../harness/cloudpods-world';

useCloudpodsWorld();

describe('cloudpods-telegraf through a real SSH remote forward (proxy → proxy VM), on three sshd hosts', () => {
  it("installs telegraf on the VM, whose writes reach the InfluxDB stand-in only through the proxy's ssh -R", async () => {
    const { end, text } = await run();
    expect(end.outcome, `${end.failedStep ?? ''} ${end.reason ?? ''} ${end.hint ?? ''}`).toBe('done');
    // The tunnel ran as its plan says where systemd is absent (these hosts have none), and said so.
    expect(text).toMatch(/does not run systemd: the tunnel was started with ssh -f in the background/);

    // The proxy runs exactly the planned ssh -R (ASCII options, addresses from the answers).
    const sink_ = sink.address() as AddressInfo;
    const procs = execFileSync('ps', ['-u', proxyUser.name, '-o', 'args='], { encoding: 'utf8' });
    expect(procs).toContain(`-R ${proxyVm.host}:${LISTEN_PORT}:${sink_.address}:${sink_.port} -p ${proxyVm.port} ${proxyVmUser.name}@${proxyVm.host}`);

    // telegraf.conf points at the forward on the proxy VM, not at InfluxDB.
    const conf = fs.readFileSync(path.join(installDir, 'telegraf.conf'), 'utf8');
    expect(conf).toContain(`urls = ["http://${proxyVm.host}:${LISTEN_PORT}"]`);
    expect(conf).toContain('hostname = "vm-1"');
    expect(fs.readFileSync(path.join(unitDir, 'cloud-monitor-telegraf.service'), 'utf8')).toContain(`ExecStart=${installDir}/telegraf --config ${installDir}/telegraf.conf`);
    expect((fs.statSync(path.join(installDir, 'telegraf')).mode & 0o777).toString(8)).toBe('755');

    // GatewayPorts was read on the proxy VM before the tunnel: its own sshd's configuration, through sudo -n.
    expect(text).toMatch(/GatewayPorts clientspecified \(sshd -T as root\): the remote forward may listen on 127\.0\.\d+\.3:12345/);
    // The verify only read: /ping with InfluxDB's version header, SHOW DATABASES by GET; the agent's own line protocol arrived.
    expect(text).toMatch(/InfluxDB 1\.8\.10 answered \/ping/);
    expect(text).toContain('database telegraf exists');
    expect(requests).toContain('GET /ping');
    expect(requests.filter((r) => /^GET \/query\?q=SHOW(%20|\+)DATABASES$/.test(r)).length).toBeGreaterThan(0);
    expect(requests.filter((r) => r.startsWith('POST ') && !r.startsWith('POST /write?db=telegraf'))).toEqual([]);
    const deadline = Date.now() + 10_000;
    while (!writes.some((w) => w.body.startsWith('cpu,host=vm-1 ')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(writes.find((w) => w.body.startsWith('cpu,host=vm-1 '))?.url).toBe('/write?db=telegraf');
    // Nothing of Outpost's was written into the database (writeTest not asked).
    expect(writes.filter((w) => w.body.startsWith('outpost_check'))).toEqual([]);
    expect(fs.readFileSync(path.join(state, 'telegraf.log'), 'utf8')).toMatch(new RegExp(`url=http://${proxyVm.host.replace(/\./g, '\\.')}:${LISTEN_PORT} db=telegraf\\nwrite 204`));

    // The proxy VM's authorized_keys: one line, for this listen address only, no command, no -L.
    const ak = fs.readFileSync(path.join(proxyVmUser.home, '.ssh', 'authorized_keys'), 'utf8').trim().split('\n');
    expect(ak).toHaveLength(1);
    // Only from the proxy (the address this server sees it come from: loopback here).
    expect(ak[0]).toMatch(new RegExp(`^from="127\\.0\\.0\\.1",restrict,port-forwarding,command="/bin/false",permitlisten="${proxyVm.host.replace(/\./g, '\\.')}:${LISTEN_PORT}",permitopen="127\\.0\\.0\\.1:1" ssh-ed25519 AAAA\\S+ outpost-rtunnel:cloudpods-telegraf$`));

    // A second run keeps the healthy tunnel (its step skipped by the guard), the same key and one line.
    const pid = execFileSync('pgrep', ['-u', proxyUser.name, '-f', `ssh .*-R ${proxyVm.host}:${LISTEN_PORT}:`], { encoding: 'utf8' }).trim();
    const again = await run();
    expect(again.end.outcome, `${again.end.failedStep ?? ''} ${again.end.reason ?? ''}`).toBe('done');
    expect(again.text).toMatch(/"stepId":"tunnel\.jump0","title":"[^"]*","hostId":"proxy0","host":"[^"]*","status":"skipped"/);
    expect(execFileSync('pgrep', ['-u', proxyUser.name, '-f', `ssh .*-R ${proxyVm.host}:${LISTEN_PORT}:`], { encoding: 'utf8' }).trim()).toBe(pid);
    expect(fs.readFileSync(path.join(proxyVmUser.home, '.ssh', 'authorized_keys'), 'utf8').trim().split('\n')).toEqual(ak);

    // Without the tunnel nothing listens there: the data went through the forward, nowhere else.
    cleanup();
    await new Promise((r) => setTimeout(r, 500));
    expect(await connects(proxyVm.host, LISTEN_PORT)).toBe(false);
  }, 180_000);

  it('sshd refuses the tunnel key any other listen address, any -L and any command; the planned forward is allowed', async () => {
    cleanup(); // the first test's tunnel, had it failed before ending it
    const sink_ = sink.address() as AddressInfo;
    const dest = `${sink_.address}:${sink_.port}`;
    for (const listen of [`127.0.0.1:${LISTEN_PORT}`, `${proxyVm.host}:${LISTEN_PORT + 1}`, `0.0.0.0:${LISTEN_PORT}`]) {
      const r = await sshWithTunnelKey(['-N', '-R', `${listen}:${dest}`]);
      expect(r.code, `${listen}: ${r.out}`).not.toBe(0);
      expect(r.out).toMatch(/remote port forwarding failed/);
    }
    // -L to the sink: the channel is refused (the key may open nothing but a port nobody uses).
    const lport = 20000 + Math.floor(Math.random() * 20000);
    const l = await sshWithTunnelKey(['-f', '-N', '-L', `127.0.0.1:${lport}:${dest}`]);
    expect(l.code, l.out).toBe(0); // the local listener is ssh's own; the channel behind it is what sshd refuses
    {
      const got = await new Promise<string>((resolve) => {
        const req = http.request({ host: '127.0.0.1', port: lport, method: 'POST', path: '/write?db=x' }, (res) => resolve(String(res.statusCode)));
        req.on('error', (e) => resolve(e.message));
        req.end('x');
      });
      expect(got).not.toBe('204');
      try {
        execFileSync('pkill', ['-f', `ssh .*-L 127.0.0.1:${lport}:`]);
      } catch {
        /* gone */
      }
    }
    const c = await sshWithTunnelKey(['id']);
    expect(c.out).not.toMatch(/uid=/);

    // The key copied elsewhere (another source address) is refused even for the planned forward (from=).
    const elsewhere = await sshWithTunnelKey(['-b', '127.0.0.77', '-N', '-R', `${proxyVm.host}:${LISTEN_PORT}:${dest}`]);
    expect(elsewhere.code).not.toBe(0);
    expect(elsewhere.out).toMatch(/Permission denied/);
    // Control: the same key, the same sshd, the planned listen address: accepted.
    const ok = await sshWithTunnelKey(['-f', '-N', '-R', `${proxyVm.host}:${LISTEN_PORT}:${dest}`]);
    expect(ok.code, ok.out).toBe(0);
    expect(await connects(proxyVm.host, LISTEN_PORT)).toBe(true);
    try {
      execFileSync('pkill', ['-f', `ssh .*-R ${proxyVm.host}:${LISTEN_PORT}:`]);
    } catch {
      /* gone */
    }
  }, 120_000);

  it('writes a test point only when asked (writeTest); a missing database fails the read-only verify, credentials asked make it "could not check"', async () => {
    cleanup();
    writes.length = 0;
    const asked = await run({ writeTest: true });
    expect(asked.end.outcome, `${asked.end.failedStep ?? ''} ${asked.end.reason ?? ''}`).toBe('done');
    expect(asked.text).toMatch(/"stepId":"write-test"[^}]*"status":"(ok|done|passed)"/);
    expect(writes.filter((w) => w.body.startsWith('outpost_check,host=vm-1 ')).map((w) => w.url)).toEqual(['/write?db=telegraf']);

    // The database telegraf writes to is gone (the stand-in refuses its writes, 404, as InfluxDB does): the read-only check says so.
    influx.databases = ['_internal'];
    try {
      const gone = await run({});
      expect(gone.end.outcome).toBe('failed');
      expect(gone.end.failedStep).toBe('verify');
      expect(gone.text).toContain('InfluxDB has no database telegraf: telegraf does not create it');
      expect(gone.text).toMatch(/InfluxDB 1\.8\.10 answered \/ping/);
    } finally {
      influx.databases = ['_internal', 'telegraf'];
    }
    // An InfluxDB with auth on: /ping still answers; SHOW DATABASES is refused (401): could not check, never a pass.
    influx.auth = true;
    try {
      const auth = await run({});
      expect(auth.text).toContain('could not check: InfluxDB asks for credentials (HTTP 401): the database telegraf was not checked');
      expect(auth.text).not.toContain('database telegraf exists');
    } finally {
      influx.auth = false;
    }
    cleanup();
  }, 240_000);

  it('GatewayPorts on the proxy VM: "no" stops before any tunnel; unreadable without sudo is "could not check"; a readable file is read', async () => {
    cleanup();
    // The default (no): the run stops at the check, before the tunnel key, its authorized_keys line or ssh -R.
    const no = await run({ jump: proxyVmNo, tunnelOnly: true });
    expect(no.end.outcome).toBe('failed');
    expect(no.end.failedStep).toBe('tunnel.jump0.gatewayports');
    expect(no.text).toMatch(/GatewayPorts no \(sshd -T as root\): sshd binds remote forwards to loopback only, so the targets could not reach 127\.0\.\d+\.5:12345\. Set GatewayPorts clientspecified in \S+sshd_config and reload sshd/);
    expect(no.text).not.toMatch(/"stepId":"tunnel\.jump0\.(key|authorize)"[^}]*"status":"(ok|done)"/);
    expect(execFileSync('ps', ['-u', proxyUser.name, '-o', 'args='], { encoding: 'utf8' })).not.toContain(`-R ${proxyVmNo.host}:`);
    expect(fs.existsSync(path.join(proxyVmUser.home, '.ssh', 'authorized_keys')) ? fs.readFileSync(path.join(proxyVmUser.home, '.ssh', 'authorized_keys'), 'utf8') : '').not.toContain(proxyVmNo.host);

    // Without sudo the proxy VM's user cannot run sshd -T (the host keys are root's) nor read the 0600 file: could not check, and the tunnel goes on.
    revokeSudo(proxyVmUser.name);
    try {
      const unread = await run({ tunnelOnly: true });
      expect(unread.text).toMatch(/could not check: GatewayPorts not read: \S+sshd_config \(or a file it includes\) is not readable by outpost-t3/);
      expect(unread.end.outcome, `${unread.end.failedStep ?? ''} ${unread.end.reason ?? ''}`).toBe('done');
      // The same file made readable: read there (outside Match blocks).
      const cfg = path.join(proxyVm.dir, 'sshd_config');
      fs.chmodSync(cfg, 0o644);
      try {
        const read = await run({ tunnelOnly: true });
        expect(read.text).toContain(`GatewayPorts clientspecified (read in ${cfg}, outside Match blocks)`);
      } finally {
        fs.chmodSync(cfg, 0o600);
      }
    } finally {
      grantSudo(proxyVmUser.name);
      cleanup();
    }
  }, 240_000);
  // Direct reporting: the VM reaches InfluxDB itself. The seed's metadata endpoint
  // (http://169.254.169.254/monitor) cannot exist here: the same stand-in, on a loopback address, takes
  // its place, once at its root (InfluxDB's own URL) and once under /monitor (the endpoint's path).
});
