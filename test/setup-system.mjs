// Installs the system packages the integration and E2E tests need, when missing (Debian/Ubuntu).
// Real components, not mocks: OpenSSH's sshd, Chromium, a CJK font for the Chinese screenshots, a Docker
// daemon (and a static busybox to build a tiny image for it), Wine and mingw-w64 for the Windows path,
// shellcheck for the runbook scripts.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  { pkg: 'openssh-server', file: '/usr/sbin/sshd' },
  { pkg: 'openssh-client', file: '/usr/bin/ssh-keygen' },
  { pkg: 'chromium', file: '/usr/bin/chromium' },
  { pkg: 'fonts-noto-cjk', file: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc' },
  { pkg: 'iproute2', file: '/usr/bin/ss' },
  { pkg: 'systemd', file: '/usr/bin/systemd-analyze' },
  { pkg: 'curl', file: '/usr/bin/curl' },
  { pkg: 'procps', file: '/usr/bin/pkill' },
  // Steps marked root run with `sudo -n` when the login user is not root: the test users have it.
  { pkg: 'sudo', file: '/usr/bin/sudo' },
  { pkg: 'docker.io', file: '/usr/sbin/dockerd' },
  { pkg: 'busybox-static', file: '/bin/busybox' },
  { pkg: 'ansible', file: '/usr/bin/ansible-playbook' },
  // The inherited-installation test's stand-in for the vendor's remote_install.sh logs in with passwords.
  { pkg: 'sshpass', file: '/usr/bin/sshpass' },
  // The runbook scripts and every Copy text are checked with shellcheck (test/unit/plan/runbook.test.ts).
  { pkg: 'shellcheck', file: '/usr/bin/shellcheck' },
  // The Windows tests: Wine's cmd.exe and service control manager (Debian's wine64 ships its loader in
  // /usr/lib/wine), and mingw-w64 to build the fixture Windows service.
  { pkg: 'wine64', file: '/usr/lib/wine/wine64' },
  { pkg: 'gcc-mingw-w64-x86-64', file: '/usr/bin/x86_64-w64-mingw32-gcc' },
];
const missing = needs.filter((n) => !existsSync(n.file)).map((n) => n.pkg);
if (missing.length === 0) process.exit(0);

const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const hasApt = spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status === 0;
if (!hasApt) {
  console.error(`The tests need these packages: ${missing.join(', ')}. Install them with your package manager.`);
  process.exit(1);
}
const prefix = isRoot ? [] : ['sudo', '-n'];
console.log(`test setup: installing ${missing.join(', ')}`);
try {
  execFileSync(prefix[0] ?? 'sh', [...prefix.slice(1), ...(prefix.length ? ['sh'] : []), '-c', cmd], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
} catch {
  console.error(`test setup: could not install ${missing.join(', ')}. Run as root:\n  ${cmd}`);
  process.exit(1);
}
