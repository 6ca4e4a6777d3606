// The persistent tunnel (a forward action) as one bash script for the jump server: what the runner's
// run/tunnel.ts runForward does, in the same order, with the same scripts and words — a systemd unit
// (system unit as root, user unit with lingering otherwise), or where systemd is not PID 1 the plan's
// shown fallback (ssh -f in the background, said plainly); then it waits for every forward to listen
// and explains a failure as the runner does. The vendor's one-off form is not exported (it answers a
// password prompt in a terminal: nothing Ansible does faithfully).
import type { Action } from '../../../common/api/plan';
import { bracket } from '../../../common/forward';
import { installUnitScript } from './unit';
import { quotePosix as q } from '../../quote';
import { processPattern } from './run';
import { CHECK_PRELUDE } from '../probe/ansible';

type ForwardAction = Extract<Action, { kind: 'forward' }>;

/** A word of the unit's argv for bash, `%h/` (systemd's home specifier) as "$HOME"/. */
function homeWord(w: string): string {
  const i = w.indexOf('%h/');
  if (i === -1) return q(w);
  const before = w.slice(0, i);
  const after = w.slice(i + 3);
  return `${before ? q(before) : ''}"$HOME"/${after ? q(after) : ''}`;
}

export function forwardScript(t: ForwardAction): string {
  const jump = t.via.host;
  const unit = t.unitName;
  const base = unit.replace(/\.service$/, '');
  const low = t.forwards.filter((f) => f.listenPort < 1024);
  const spec = (f: ForwardAction['forwards'][number]) => `${f.name} (${f.listenHost}:${f.listenPort})`;
  const lines = [
    CHECK_PRELUDE,
    `log="$HOME/.outpost/${base}.log"`,
    'uid=$(id -u); user=$(id -un)',
  ];
  if (low.length) {
    lines.push(
      'if [ "$uid" != 0 ]; then',
      `  echo "OUTPOST_FAIL The jump user $user on ${jump} cannot listen on port ${low.map((x) => x.listenPort).join(', ')}: ports below 1024 need root."`,
      `  echo ${q(`OUTPOST_HINT Log in to the jump server as root, or move the port with portOverrides, e.g. "${low[0]?.listenPort}": { listen: 8080 }.`)}`,
      '  exit 1',
      'fi',
    );
  }
  lines.push(
    "some=''",
    ...t.forwards.map((f) => `[ "$(outpost_listening ${q(f.listenHost)} ${f.listenPort})" = no ] || some=1`),
    "out=''",
    'if [ -d /run/systemd/system ]; then',
    '  sd=yes',
    '  if [ "$uid" = 0 ]; then',
    `    how=${q(`systemd unit ${unit}`)}`,
    `    out=$( { ${installUnitScript(unit, t.unitText, false)}; } 2>&1 )`,
    '  else',
    `    how=${q(`systemd user unit ${unit}`)}`,
    `    out=$( { ${installUnitScript(unit, t.userUnitText, true)}; } 2>&1 )`,
    "    case $out in *'OUTPOST_WARN lingering not enabled'*)",
    `      echo "OUTPOST_WARN lingering could not be enabled for $user on ${jump}: the tunnel stops when that user logs out and does not start at boot (run \\\`loginctl enable-linger $user\\\` as root)" ;;`,
    '    esac',
    '  fi',
    "  printf '%s\\n' \"$out\"",
    'else',
    "  sd=no; how='ssh -f in the background'",
    `  echo ${q(`OUTPOST_WARN ${jump} does not run systemd: the tunnel was started with ssh -f in the background and will not survive a reboot of the jump server (run "check tunnel" after a restart)`)}`,
    '  mkdir -p "$HOME/.outpost"',
    // The runner's backgroundScript: the unit's argv with -f, so ssh backgrounds once the forwards are up.
    `  pkill -f -- ${q(processPattern(t))} 2>/dev/null; sleep 0.3`,
    '  : > "$log"',
    `  ssh -f -E "$log" ${t.sshArgv.slice(1).map(homeWord).join(' ')}`,
    '  rc=$?',
    '  if [ $rc -ne 0 ]; then cat "$log" >&2; fi',
    'fi',
    // Wait for the ports (the runner waits 8 s).
    'i=0',
    'while :; do',
    "  missing=''",
    ...t.forwards.map((f) => `  [ "$(outpost_listening ${q(f.listenHost)} ${f.listenPort})" != no ] || missing="$missing\${missing:+, }"${q(spec(f))}`),
    '  if [ -z "$missing" ] || [ $i -ge 20 ]; then break; fi',
    '  sleep 0.4; i=$((i + 1))',
    'done',
    'if [ -n "$missing" ]; then',
    `  diag="$out$(cat "$log" 2>/dev/null)$([ $sd = yes ] && { if [ "$uid" = 0 ]; then journalctl -u ${q(unit)} -n 20 --no-pager; else journalctl --user -u ${q(unit)} -n 20 --no-pager; fi; } 2>/dev/null)"`,
    "  printf '%s\\n' \"$diag\"",
    "  has() { printf '%s' \"$diag\" | grep -Eqi -- \"$1\"; }",
    '  if has "Address already in use"; then',
    `    echo ${q(`OUTPOST_FAIL A port the tunnel needs on ${jump} is already used by another program.`)}; echo 'OUTPOST_HINT Stop that program, or move the port with portOverrides.'`,
    '  elif has "Host key verification failed"; then',
    `    echo ${q(`OUTPOST_FAIL The tunnel's SSH hop on ${jump} refused the host key of ${jump} itself.`)}; echo ${q("OUTPOST_HINT The jump server's host key may have changed; check ~/.ssh/known_hosts of the jump user.")}`,
    "  elif has 'Permission denied \\('; then",
    `    echo "OUTPOST_FAIL The tunnel's SSH hop on ${jump} could not log in as $user."; echo 'OUTPOST_HINT Check that sshd on the jump server accepts public keys (PubkeyAuthentication) or the password.'`,
    "  elif has 'forwarding disabled|administratively prohibited|open failed'; then",
    `    echo ${q(`OUTPOST_FAIL sshd on ${jump} refuses TCP forwarding.`)}; echo 'OUTPOST_HINT Set AllowTcpForwarding yes in /etc/ssh/sshd_config on the jump server and restart sshd.'`,
    '  else',
    `    echo "OUTPOST_FAIL The tunnel on ${jump} is not listening on: $missing."; echo ${q("OUTPOST_HINT Check that sshd on the jump server allows TCP forwarding and that the forwards' destination is reachable from it; the output above has ssh's own message.")}`,
    '  fi',
    '  exit 1',
    'fi',
    `if [ -n "$some" ]; then what='tunnel repaired'; else what='tunnel started'; fi`,
    'echo "$what ($how)"',
    ...t.forwards.map((f) => `echo ${q(`${f.name} ${bracket(f.listenHost)}:${f.listenPort} listening`)}`),
    '',
  );
  return lines.join('\n');
}
