// The Ansible export of the installer this computer fetches (ICAgent, jump mode without a SHA-256): the
// controller fetches it once over HTTPS (ansible.builtin.uri: certificate checked, no redirect
// followed), checks its size (and SHA-256 when given), and the targets' upload copies that file and
// compares the copy's SHA-256 with it — before the targets' other steps.
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { writeExport } from '../../../electron/core/export';
import { makeCa, startHttpsServer } from '../../integration/harness/https';
import { allTasks, examplePlan, exportOf, playbook, task } from './helpers';

const URL = 'https://icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com/ICAgent_linux/apm_agent_install.sh';

describe('Ansible export of the installer fetched on this computer', () => {
  const plan = examplePlan('linux-jump.yaml');
  const x = exportOf(plan);

  it('fetches it on the controller, once, over HTTPS with the certificate checked and no redirect followed', () => {
    const fetch = task(x, `fetch-installer: Fetch the installer on this computer over HTTPS (${URL})`);
    expect(fetch).toMatchObject({ delegate_to: 'localhost', run_once: true });
    expect(fetch['ansible.builtin.uri']).toEqual({ url: URL, dest: '{{ playbook_dir }}/downloads/installer', validate_certs: true, follow_redirects: 'none', status_code: [200], timeout: 120, mode: '0600' });
    expect(task(x, 'fetch-installer (private folder on this computer)')['ansible.builtin.file']).toEqual({ path: '{{ playbook_dir }}/downloads', state: 'directory', mode: '0700' });
    expect(JSON.stringify(task(x, 'fetch-installer (result)')['ansible.builtin.assert'])).toContain(`outpost_r_fetch_installer.stat.size <= ${64 * 1024 * 1024}`);
  });

  it('runs in the targets play before their steps; the upload copies that file and checks the copy against it', () => {
    const targets = playbook(x).find((p) => p.hosts === 'outpost_targets');
    const names = (targets?.tasks ?? []).map((t) => String(t.name).replace(/^!unsafe /, ''));
    const at = (prefix: string) => names.findIndex((n) => n.startsWith(prefix));
    expect(at('fetch-installer')).toBeGreaterThan(-1);
    expect(at('fetch-installer')).toBeLessThan(at('preflight'));
    expect(at('upload-installer')).toBeLessThan(at('install'));
    const copy = task(x, 'upload-installer: Upload the installer fetched on this computer to /opt/ICAgent');
    expect(copy['ansible.builtin.copy']).toEqual({ src: '{{ playbook_dir }}/downloads/installer', dest: '/opt/ICAgent/apm_agent_install.sh', mode: '0700' });
    expect(copy.become).toBe('{{ outpost_sudo | default(false) | bool }}');
    expect(JSON.stringify(task(x, 'upload-installer (result)')['ansible.builtin.assert'])).toContain("outpost_r_upload_installer_local.stat.checksum | default('none') == outpost_r_upload_installer_remote.stat.checksum | default('')");
    // No plain-HTTP download on the targets.
    expect(x.files['templates/install.sh.j2']).not.toContain('curl');
    expect(allTasks(x).some((t) => JSON.stringify(t).includes('http://'))).toBe(false);
  });

  it('checks the SHA-256 on the controller when the answers give one with download: local', () => {
    const sha = 'b'.repeat(64);
    const y = exportOf(examplePlan('linux-jump.yaml', (a) => (a.options = { download: 'local', downloadSha256: sha })));
    expect(JSON.stringify(task(y, 'fetch-installer (result)')['ansible.builtin.assert'])).toContain(`outpost_r_fetch_installer.stat.checksum == '${sha}'`);
  });

  it('passes ansible-playbook --syntax-check', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-export-fetch-'));
    try {
      writeExport(dir, x.files);
      execFileSync('ansible-playbook', ['-i', 'inventory.yml', 'site.yml', '--syntax-check'], { cwd: dir, stdio: 'pipe', env: { ...process.env, ANSIBLE_CONFIG: path.join(dir, 'ansible.cfg') } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('really fetches with Ansible: a certificate the controller trusts (SSL_CERT_FILE) is fetched and checked, an untrusted one fails', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-export-fetch-run-'));
    const ca = makeCa(path.join(dir, 'ca'));
    const body = 'echo "ICAgent install success"\n';
    const server = await startHttpsServer(ca, (_req, res) => res.end(body));
    try {
      const y = exportOf(examplePlan('linux-jump.yaml', (a) => (a.options = { downloadBase: server.base })));
      const targets = playbook(y).find((p) => p.hosts === 'outpost_targets');
      const fetchTasks = (targets?.tasks ?? []).filter((t) => String(t.name).replace(/^!unsafe /, '').startsWith('fetch-installer'));
      expect(fetchTasks).toHaveLength(5);
      fs.writeFileSync(path.join(dir, 'site.yml'), YAML.stringify([{ hosts: 'localhost', gather_facts: false, tasks: fetchTasks }]));
      // Not execFileSync: the server answers from this process's event loop.
      const run = (env: Record<string, string>) =>
        new Promise<{ code: number | null; out: string }>((resolve) => {
          execFile('ansible-playbook', ['-i', 'localhost,', '-c', 'local', 'site.yml'], { cwd: dir, encoding: 'utf8', env: { ...process.env, ANSIBLE_NOCOLOR: '1', ...env } }, (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout }));
        });
      const untrusted = await run({});
      expect(untrusted.code, untrusted.out).not.toBe(0);
      expect(untrusted.out).toMatch(/CERTIFICATE_VERIFY_FAILED|certificate verify failed/i);
      expect(fs.existsSync(path.join(dir, 'downloads', 'installer'))).toBe(false);
      const trusted = await run({ SSL_CERT_FILE: ca.caFile });
      expect(trusted.code, trusted.out).toBe(0);
      expect(fs.readFileSync(path.join(dir, 'downloads', 'installer'), 'utf8')).toBe(body);
      expect(fs.statSync(path.join(dir, 'downloads')).mode & 0o777).toBe(0o700);
    } finally {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
