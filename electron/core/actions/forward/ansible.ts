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
import { processPattern, stopOurs, TUNNEL_SETTLE_MS } from './run';
import { holdOf } from './health';
import { portCheckScript } from '../probe/ports';
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

/** A script as a shell variable (a quoted here-document: nothing in it is expanded). */
const scriptVar = (name: string, text: string) => `${name}=$(cat <<'OUTPOST_SCRIPT_END'\n${text}OUTPOST_SCRIPT_END\n)`;

/** diag: what ssh and the unit said; explain: a failure in words when ssh said why (exits), else returns 1. */
function explainLines(jump: string, unit: string): string[] {
  return [
      `diag() { printf '%s' "$out$(cat "$log" 2>/dev/null)$([ $sd = yes ] && { if [ "$uid" = 0 ]; then journalctl -u ${q(unit)} -n 20 --no-pager; else journalctl --user -u ${q(unit)} -n 20 --no-pager; fi; } 2>/dev/null)"; }`,
      'explain() {',
      '  d=$(diag); printf \'%s\\n\' "$d"',
      "  has() { printf '%s' \"$d\" | grep -Eqi -- \"$1\"; }",
      '  if has "Address already in use"; then',
      `    echo ${q(`OUTPOST_FAIL A port the tunnel needs on ${jump} is already used by another program.`)}; echo 'OUTPOST_HINT Stop that program, or move the port with portOverrides.'`,
      '  elif has "Host key verification failed"; then',
      `    echo ${q(`OUTPOST_FAIL The tunnel's SSH hop on ${jump} refused the host key of ${jump} itself.`)}; echo ${q("OUTPOST_HINT The jump server's host key may have changed; check ~/.ssh/known_hosts of the jump user.")}`,
      "  elif has 'Permission denied \\('; then",
      `    echo "OUTPOST_FAIL The tunnel's SSH hop on ${jump} could not log in as $user."; echo 'OUTPOST_HINT Check that sshd on the jump server accepts public keys (PubkeyAuthentication) or the password.'`,
      "  elif has 'forwarding disabled|administratively prohibited|open failed'; then",
      `    echo ${q(`OUTPOST_FAIL sshd on ${jump} refuses TCP forwarding.`)}; echo 'OUTPOST_HINT Set AllowTcpForwarding yes in /etc/ssh/sshd_config on the jump server and restart sshd.'`,
      '  else return 1; fi',
      '  exit 1',
      '}',
  ];
}

/** Waits for our ssh to hold every port (or to exit), then checks that each forward carries. */
function waitLines(t: ForwardAction, jump: string): string[] {
  return [
      // As the runner: wait until our ssh holds every port, or has exited (twice not found), at most TUNNEL_SETTLE_MS; say "2 of 3 ports up" as they come.
      `i=0; gone=0; shown=''; total=${t.forwards.length}`,
      'while :; do',
      '  now=$(sh -c "$HOLD")',
      "  if complete \"$now\" && [ -z \"$(of missing \"$now\")$(of other \"$now\")$(of foreign \"$now\")\" ]; then break; fi",
      `  if [ $i -ge ${Math.ceil(TUNNEL_SETTLE_MS / 400)} ] || [ -n "$(of foreign "$now")" ]; then break; fi`,
      "  up=$(printf '%s\\n' \"$now\" | awk '$1 == \"OUTPOST_PORT\" && $3 == \"ours\"' | wc -l | tr -d ' ')",
      '  if [ "$up" != "$shown" ]; then echo "$up of $total ports up"; shown=$up; fi',
      `  if pgrep -u "$uid" -f -- ${q(processPattern(t))} >/dev/null 2>&1; then gone=0; else gone=$((gone + 1)); fi`,
      '  if [ $gone -ge 2 ]; then break; fi',
      '  sleep 0.4; i=$((i + 1))',
      'done',
      'complete "$now" || unchecked "$now"',
      'foreign "$now"',
      'if [ -n "$(of missing "$now")$(of other "$now")" ]; then',
      '  explain',
      `  o=$(of other "$now"); if [ -n "$o" ]; then echo "OUTPOST_FAIL $o."; echo 'OUTPOST_HINT Stop that program, or move the port with portOverrides.'; exit 1; fi`,
      `  missing=$(printf '%s\\n' "$now" | awk '$1 == "OUTPOST_PORT" && $3 == "missing" { printf "%s%s", (n++ ? ", " : ""), $2 }')`,
      `  echo "OUTPOST_FAIL The tunnel on ${jump} is not listening on: $missing."; echo ${q("OUTPOST_HINT Check that sshd on the jump server allows TCP forwarding and that the forwards' destination is reachable from it; the output above has ssh's own message.")}`,
      '  exit 1',
      'fi',
      // Listening is not carrying: a connection through each forward must reach its destination.
      'c=$(sh -c "$CARRY")',
      'complete "$c" || unchecked "$c"',
      `bad=$(printf '%s\\n' "$c" | awk '$1 == "OUTPOST_CARRY" && $3 == "failed" { d = $0; sub(/^OUTPOST_CARRY [^ ]+ failed /, "", d); printf "%s%s: %s", (n++ ? "; " : ""), $2, d }')`,
      `if [ -n "$bad" ]; then diag; echo; echo "OUTPOST_FAIL The tunnel on ${jump} listens but does not carry: $bad."; echo ${q("OUTPOST_HINT Check the jump server's authorized_keys line for this profile's tunnel key (permitopen), sshd's AllowTcpForwarding, and that the jump server reaches the destinations.")}; exit 1; fi`,
      `if [ -n "$some" ]; then what='tunnel repaired'; else what='tunnel started'; fi`,
      'echo "$what ($how)"',
      ...t.forwards.map((f) => `echo ${q(`${f.name} ${bracket(f.listenHost)}:${f.listenPort} listening`)}`),
  ];
}

export function forwardScript(t: ForwardAction): string {
  const jump = t.via.host;
  const unit = t.unitName;
  const base = unit.replace(/\.service$/, '');
  const low = t.forwards.filter((f) => f.listenPort < 1024);
  const hold = holdOf(t);
  const lines = [
    CHECK_PRELUDE,
    `log="$HOME/.outpost/${base}.log"`,
    'uid=$(id -u); user=$(id -un)',
    // The runner's checkPorts: who holds each port, and (second script) whether each carries.
    scriptVar('HOLD', portCheckScript(hold)),
    scriptVar('CARRY', portCheckScript({ ...hold, carry: true })),
    // st STATE: the ports of a check in that state, "name (detail)" each.
    "of() { printf '%s\\n' \"$2\" | awk -v s=\"$1\" '$1 == \"OUTPOST_PORT\" && $3 == s { d = $0; sub(/^OUTPOST_PORT [^ ]+ [^ ]+ /, \"\", d); printf \"%s%s\", (n++ ? \"; \" : \"\"), d }'; }",
    "complete() { case $1 in *OUTPOST_PORTS_BEGIN*OUTPOST_PORTS_END*) case $1 in *OUTPOST_PORTS_UNCHECKED*) return 1 ;; esac; return 0 ;; esac; return 1; }",
    `unchecked() { echo "OUTPOST_FAIL Could not check the tunnel's ports on ${jump}: $(printf '%s\\n' "$1" | sed -n 's/^OUTPOST_PORTS_UNCHECKED //p' | head -n 1)"; echo 'OUTPOST_HINT Check by hand on the jump server: ss -ltnpe (or netstat -lnpte).'; exit 1; }`,
    `foreign() { f=$(of foreign "$1"); if [ -n "$f" ]; then echo "OUTPOST_FAIL $f: the tunnel was not started, and nothing was downloaded through it."; echo ${q(`OUTPOST_HINT Another user or program on ${jump} holds what the tunnel needs: find it there (ss -ltnpe) and stop it, or move the tunnel's ports with portOverrides.`)}; exit 1; fi; }`,
    'before=$(sh -c "$HOLD")',
    'complete "$before" || unchecked "$before"',
    'foreign "$before"',
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
    "some=''; case $before in *'OUTPOST_PORT '*' ours '* | *'OUTPOST_PORT '*' other '*) some=1 ;; esac",
    "out=''; rc=0",
    'if [ -d /run/systemd/system ]; then',
    '  sd=yes',
    `  ${stopOurs(t)}`,
    '  if [ "$uid" = 0 ]; then',
    `    how=${q(`systemd unit ${unit}`)}`,
    `    out=$( { ${installUnitScript(unit, t.unitText, false)}; } 2>&1 ); rc=$?`,
    '  else',
    `    how=${q(`systemd user unit ${unit}`)}`,
    `    out=$( { ${installUnitScript(unit, t.userUnitText, true)}; } 2>&1 ); rc=$?`,
    "    case $out in *'OUTPOST_WARN lingering not enabled'*)",
    `      echo "OUTPOST_WARN lingering could not be enabled for $user on ${jump}: the tunnel stops when that user logs out and does not start at boot (run \\\`loginctl enable-linger $user\\\` as root)" ;;`,
    '    esac',
    '  fi',
    "  printf '%s\\n' \"$out\"",
    'else',
    "  sd=no; how='ssh -f in the background'",
    `  echo ${q(`OUTPOST_WARN ${jump} does not run systemd: the tunnel was started with ssh -f in the background and will not survive a reboot of the jump server (run "check tunnel" after a restart)`)}`,
    // The runner's backgroundScript: the unit's argv with -f, so ssh backgrounds once the forwards are up.
    '  (umask 077; mkdir -p "$HOME/.outpost"; rm -f "$log"; : > "$log")',
    `  ${stopOurs(t)}`,
    `  ssh -f -E "$log" ${t.sshArgv.slice(1).map(homeWord).join(' ')}`,
    '  rc=$?',
    '  if [ $rc -ne 0 ]; then cat "$log" >&2; fi',
    'fi',
    ...explainLines(jump, unit),
    `if [ $rc -ne 0 ]; then explain; echo "OUTPOST_FAIL The tunnel's ssh on ${jump} ended with exit code $rc."; echo ${q("OUTPOST_HINT The output above has ssh's own message.")}; exit 1; fi`,
    ...waitLines(t, jump),
    '',
  );
  return lines.join('\n');
}
