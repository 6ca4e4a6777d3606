// Who holds a port, and does it carry. One sh script, run by Outpost (the tunnel step, the tunnel's
// health, "listening" checks) and written into the playbook, prints its own verdicts, so both mean
// the same thing:
//   OUTPOST_PORT <name> ours|missing|foreign|other <detail>     one per forward
//   OUTPOST_CARRY <name> ok|failed|uncheckable <detail>          one per forward held by us (carry)
//   OUTPOST_CHECK pass|warn|FAIL <name>: <detail>[ — <hint>]      the probe's verdicts
// between OUTPOST_PORTS_BEGIN and OUTPOST_PORTS_END: output that lacks either end was cut (a busy host)
// or never ran, and is "could not check", never a verdict.
//
// Shared machines are hostile: a listener is ours only when its socket belongs to the login user (ss
// -e prints the owner of every socket, root's as none) and, for a tunnel, its process is the tunnel's
// ssh: that user's, with our key and exactly these forwards in its argv, the unit's MainPID when the
// unit runs. Another user's socket can never pass, whatever its process pretends to be. Only the
// planned ports are asked for (an ss filter), so a host with thousands of sockets answers in a line each.
import type { CheckResult } from '../../../common/api/run';
import type { Forward } from '../../../common/api/plan';
import { bracket } from '../../../common/forward';
import { quotePosix as q } from '../../quote';

/** Functions every check script starts with (the playbook's and Outpost's alike). */
export const CHECK_FUNCS = [
  // outpost_hint: the profile's own words for a check that did not pass (set around its probe), else the check's.
  'outpost_check() {',
  '  outpost_h=${outpost_hint:-${4:-}}',
  '  if [ "$1" != pass ] && [ -n "$outpost_h" ]; then printf \'OUTPOST_CHECK %s %s: %s — %s\\n\' "$1" "$2" "$3" "$outpost_h"',
  '  else printf \'OUTPOST_CHECK %s %s: %s\\n\' "$1" "$2" "$3"; fi',
  '}',
  "outpost_isnum() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }",
].join('\n');

export interface PortCheckOptions {
  forwards: readonly Forward[];
  /**
   * tunnel: held by the tunnel's own ssh (the login user's, argv with `argv`, the unit's MainPID when
   * it runs); user: a socket of the login user (a remote forward's sshd, whose process a user cannot
   * see); any: anything listening (an agent on its own host).
   */
  hold: 'tunnel' | 'user' | 'any';
  /** Adjacent argv pairs the tunnel's ssh must have, e.g. `-L 127.0.0.1:80:obs:80`, `-i %h/.ssh/key` (%h/ is the home folder). */
  argv?: readonly string[];
  /** The tunnel's systemd unit: when it is active, only its MainPID may hold the ports. */
  unit?: string;
  /** Also send a connection through each port we hold (HTTP for `http` forwards). */
  carry?: boolean;
  /** Which OUTPOST_CHECK lines to print: one per port (listening), or one for the tunnel (healthy). */
  verdict?: 'listening' | 'healthy';
}

const TUNNEL_HINT = 'Check the tunnel ("check tunnel") and that sshd allows TCP forwarding.';
const FOREIGN_HINT = 'Another program or user holds a port the tunnel needs: find it on the jump server (ss -ltnpe) and stop it, or move the tunnel with portOverrides.';

/** Where to connect to reach a listener from its own host. */
const connectHost = (h: string) => (h === '0.0.0.0' || h === '*' ? '127.0.0.1' : h === '::' ? '::1' : h);

/** The listener table of the planned ports as rows "R port host uid pid,pid|-"; ok=no and why when it could not be read. */
function tableLines(ports: readonly number[]): string[] {
  const filter = `( ${ports.map((p) => `sport = :${p}`).join(' or ')} )`;
  return [
    'me=$(id -u)',
    `F=${q(filter)}; PORTS=${q(` ${ports.join(' ')} `)}`,
    // The table: ss with owners (-e) and processes (-p), filtered on the far side; netstat where ss is missing.
    "T=''; H=none",
    'if command -v ss >/dev/null 2>&1; then T=$(ss -ltnpe "$F" 2>/dev/null || ss -ltne "$F" 2>/dev/null); H=State',
    'elif command -v netstat >/dev/null 2>&1; then T=$(netstat -lnpte 2>/dev/null || netstat -lnte 2>/dev/null); H=Proto; fi',
    // Rows "R port host uid pid,pid|-" for the planned ports only.
    'rows=$(printf \'%s\\n\' "$T" | awk -v H="$H" -v ports="$PORTS" \'',
    '  function emit(local, uid, pids,   m, host, port) {',
    '    if (!match(local, /[:.][0-9]+$/)) return',
    '    port = substr(local, RSTART + 1) + 0; host = substr(local, 1, RSTART - 1)',
    '    if (host ~ /^\\[.*\\]$/) host = substr(host, 2, length(host) - 2)',
    '    if (host == "*" || host == "::" || host == "" || host == "0.0.0.0") host = "0.0.0.0"',
    '    sub(/^::ffff:/, "", host); sub(/%.*$/, "", host)',
    '    if (!index(ports, " " port " ")) return',
    '    print "R", port, host, uid, (pids == "" ? "-" : pids)',
    '  }',
    '  H == "State" && $1 == "LISTEN" { uid = 0; pids = ""',
    '    for (i = 5; i <= NF; i++) { if ($i ~ /^uid:[0-9]+$/) uid = substr($i, 5) + 0; s = $i',
    '      while (match(s, /pid=[0-9]+/)) { pids = pids (pids == "" ? "" : ",") substr(s, RSTART + 4, RLENGTH - 4); s = substr(s, RSTART + RLENGTH) } }',
    '    emit($4, uid, pids) }',
    '  H == "Proto" && $1 ~ /^tcp6?$/ && $6 == "LISTEN" { pids = ""; if ($9 ~ /^[0-9]+\\//) pids = substr($9, 1, index($9, "/") - 1); emit($4, ($7 ~ /^[0-9]+$/ ? $7 : -1), pids) }',
    "')",
    // A table without its header was not read: say so, never judge on it.
    'case $H in none) ok=no; why="neither ss nor netstat is available" ;; *) if printf \'%s\\n\' "$T" | grep -q "^$H"; then ok=yes; else ok=no; why="the listener table could not be read"; fi ;; esac',
  ];
}

/** ours PID: 0 our tunnel's ssh; 1 not ours; 2 ours but not the unit's process (a stale tunnel). */
function oursLines(o: PortCheckOptions): string[] {
  const argv = (o.argv ?? []).map((w) => {
    const i = w.indexOf('%h/');
    return i === -1 ? q(w) : `${q(w.slice(0, i))}"$HOME"/${q(w.slice(i + 3))}`;
  });
  return [
    `W=$(printf '%s\\n' ${argv.length ? argv.join(' ') : "''"}); export W`,
    'MAINPID=0',
    o.unit
      ? `if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then if [ "$me" = 0 ]; then S=''; else S=--user; fi; if [ "$(systemctl $S show -p ActiveState --value ${q(o.unit)} 2>/dev/null)" = active ]; then MAINPID=$(systemctl $S show -p MainPID --value ${q(o.unit)} 2>/dev/null); fi; fi; outpost_isnum "$MAINPID" || MAINPID=0`
      : ':',
    // 0: our tunnel's ssh; 1: not ours; 2: ours but not the unit's process (a stale tunnel).
    'ours() {',
    '  [ "$(stat -c %u "/proc/$1" 2>/dev/null)" = "$me" ] || return 1',
    '  a=$(tr \'\\000\' \'\\n\' < "/proc/$1/cmdline" 2>/dev/null) || return 1',
    '  a0=$(printf \'%s\\n\' "$a" | sed -n 1p); [ "${a0##*/}" = ssh ] || return 1',
    '  printf \'%s\\n\' "$a" | awk \'BEGIN { n = split(ENVIRON["W"], w, "\\n"); for (i = 1; i <= n; i++) if (w[i] != "") need[w[i]] = 1 } { if (NR > 1) have[prev " " $0] = 1; prev = $0 } END { for (k in need) if (!(k in have)) exit 1 }\' || return 1',
    '  if [ "$MAINPID" != 0 ] && [ "$1" != "$MAINPID" ]; then return 2; fi',
    '  return 0',
    '}',
  ];
}

/** port NAME HOST PORT: prints OUTPOST_PORT and sets st (ours, missing, foreign, other). */
function portFnLines(hold: PortCheckOptions['hold']): string[] {
  const L = [
    'port() {',
    '  st=missing; d="nothing listens on $2:$3"; holder=\'\'',
    `  m=$(printf '%s\\n' "$rows" | awk -v h="$2" -v p="$3" '$1 == "R" && $2 == p && (h == "*" || h == "0.0.0.0" || $3 == h || $3 == "0.0.0.0")')`,
    '  if [ -n "$m" ]; then',
    '    st=ours; d="listening on $2:$3"',
    '    while read -r _ _ _ uid pids; do',
  ];
  if (hold === 'any') {
    L.push('      p1=${pids%%,*}; [ "$p1" = - ] || holder=$(cat "/proc/$p1/comm" 2>/dev/null)');
  } else {
    L.push(
      '      if [ "$uid" != "$me" ]; then st=foreign; d="port $3 on $2 is held by another program or user (uid $uid)"; break; fi',
      '      p1=${pids%%,*}; [ "$p1" = - ] || holder=$(cat "/proc/$p1/comm" 2>/dev/null)',
    );
    if (hold === 'tunnel') {
      L.push(
        '      if [ "$pids" = - ]; then st=other; d="port $3 on $2 is held by a program of $(id -un) that is not the tunnel\'s ssh"; break; fi',
        '      for p in $(printf \'%s\' "$pids" | tr , \' \'); do ours "$p"; r=$?',
        '        if [ $r = 2 ]; then st=other; d="port $3 on $2 is held by an ssh (pid $p) that is not the tunnel unit\'s (a stale tunnel)"; elif [ $r != 0 ]; then st=other; d="port $3 on $2 is held by $(cat "/proc/$p/comm" 2>/dev/null || echo a program) (pid $p), not by the tunnel\'s ssh"; fi',
        '      done',
        '      [ "$st" = ours ] || break',
      );
    }
  }
  L.push(
    '    done <<EOF',
    '$m',
    'EOF',
    '  fi',
    '  [ "$st" = ours ] && [ -n "$holder" ] && d="$d ($holder)"',
    '  echo "OUTPOST_PORT $1 $st $d"',
    '}',
  );
  return L;
}

const CARRY_FN: readonly string[] = [
  // carry NAME HOST PORT TARGET HTTP: a connection through the port must reach its destination.
  // A forward the jump server's sshd refuses ("open failed") or whose destination is down is
  // accepted and closed at once by ssh: end of file before anything, where a live service
  // answers or waits for the client. HTTP ports must answer an HTTP request.
  'carry() {',
  '  if ! command -v bash >/dev/null 2>&1; then echo "OUTPOST_CARRY $1 uncheckable bash is missing: no connection sent through port $3"; return; fi',
  '  T8=\'\'; command -v timeout >/dev/null 2>&1 && T8=\'timeout 15\'',
  '  if [ "$5" = 1 ]; then',
  '    $T8 bash -c \'exec 3<>"/dev/tcp/$1/$2" || exit 2; printf "HEAD / HTTP/1.0\\r\\nHost: %s\\r\\n\\r\\n" "$3" >&3; IFS= read -r -t 10 l <&3; r=$?; [ $r -gt 128 ] && exit 4; [ $r = 0 ] || exit 1; case $l in HTTP/*) exit 0 ;; esac; exit 3\' _ "$6" "$3" "${4%:*}" 2>/dev/null',
  '  else',
  '    $T8 bash -c \'exec 3<>"/dev/tcp/$1/$2" || exit 2; IFS= read -r -t 2 -n 1 x <&3; r=$?; if [ $r = 0 ] || [ $r -gt 128 ]; then exit 0; fi; exit 1\' _ "$6" "$3" 2>/dev/null',
  '  fi',
  '  case $? in',
  '    0) if [ "$5" = 1 ]; then echo "OUTPOST_CARRY $1 ok an HTTP answer came through port $3 from $4"; else echo "OUTPOST_CARRY $1 ok a connection through port $3 reached $4"; fi ;;',
  '    2) echo "OUTPOST_CARRY $1 failed could not connect to port $3 on $2" ;;',
  '    3) echo "OUTPOST_CARRY $1 failed port $3 answered, but not with HTTP (from $4)" ;;',
  '    4|124) echo "OUTPOST_CARRY $1 failed no answer through port $3 from $4 within 10 s" ;;',
  '    *) echo "OUTPOST_CARRY $1 failed the tunnel closed a connection through port $3 at once: $4 was not reached (the jump server\'s sshd refused the forward, or $4 refused the connection)" ;;',
  '  esac',
  '}',
];

export function portCheckScript(o: PortCheckOptions): string {
  const ports = [...new Set(o.forwards.map((f) => f.listenPort))];
  const L: string[] = [CHECK_FUNCS, 'echo OUTPOST_PORTS_BEGIN', ...tableLines(ports)];
  if (o.hold === 'tunnel') L.push(...oursLines(o));
  L.push(...portFnLines(o.hold));
  if (o.carry) L.push(...CARRY_FN);
  L.push('bad=0; nbad=0; first=\'\'; cbad=\'\'', 'if [ $ok = yes ]; then');
  o.forwards.forEach((f, i) => {
    L.push(`  port ${q(f.name)} ${q(f.listenHost)} ${f.listenPort}; s${i}=$st`);
    L.push(`  if [ "$st" != ours ]; then bad=1; nbad=$((nbad + 1)); [ -n "$first" ] || first="$d"; fi`);
    if (o.verdict === 'listening') {
      const failHint = f.listenHost === '*' ? 'The agent is not listening: check that its service started and what its log says.' : TUNNEL_HINT;
      const missing = f.listenHost === '*' ? `nothing listens on port ${f.listenPort}` : `NOT listening on ${f.listenHost}:${f.listenPort}`;
      L.push(
        `  case $st in ours) outpost_check pass ${q(f.name)} "$d" ;; missing) outpost_check FAIL ${q(f.name)} ${q(missing)} ${q(failHint)} ;; *) outpost_check FAIL ${q(f.name)} "$d" ${q(FOREIGN_HINT)} ;; esac`,
      );
    }
  });
  if (o.carry) {
    // All at once (each may wait its 2 s for a quiet destination), each into its own file of a private folder.
    L.push('  cd_=$(mktemp -d) || cd_=\'\'');
    o.forwards.forEach((f, i) => {
      const target = `${bracket(f.targetHost)}:${f.targetPort}`;
      L.push(`  if [ "$s${i}" = ours ] && [ -n "$cd_" ]; then carry ${q(f.name)} ${q(f.listenHost)} ${f.listenPort} ${q(target)} ${f.http ? 1 : 0} ${q(connectHost(f.listenHost))} > "$cd_/${i}" & fi`);
    });
    L.push('  wait');
    o.forwards.forEach((f, i) => {
      L.push(
        `  if [ "$s${i}" = ours ]; then c=$( [ -n "$cd_" ] && cat "$cd_/${i}" 2>/dev/null); [ -n "$c" ] || c="OUTPOST_CARRY ${f.name} uncheckable no private folder for the connection test"; echo "$c"; case $c in "OUTPOST_CARRY ${f.name} failed "*) cbad="$cbad\${cbad:+; }\${c#OUTPOST_CARRY ${f.name} failed }" ;; esac; fi`,
      );
    });
    L.push('  [ -z "$cd_" ] || rm -rf "$cd_"');
  }
  if (o.verdict === 'healthy') {
    const n = o.forwards.length;
    L.push(
      `  if [ $bad = 0 ] && [ -z "$cbad" ]; then outpost_check pass tunnel ${q(`all ${n} forwards listening, held by the tunnel's ssh${o.carry ? ' and carrying' : ''}`)}`,
      `  elif [ $bad = 0 ]; then outpost_check FAIL tunnel "the tunnel listens but does not carry: $cbad" ${q("Check the jump server's authorized_keys line for the tunnel key (permitopen), AllowTcpForwarding, and that the jump server reaches the destinations.")}`,
      `  else outpost_check FAIL tunnel "$nbad of ${n} forwards not held by the tunnel: $first" ${q(TUNNEL_HINT)}; fi`,
    );
  }
  L.push(
    'else',
    `  echo "OUTPOST_PORTS_UNCHECKED $why"`,
    o.verdict ? `  outpost_check warn ${o.verdict === 'healthy' ? 'tunnel' : 'ports'} "could not check: $why" 'Check by hand: ss -ltnpe (or netstat -lnpte) on the host.'` : ':',
    'fi',
    'echo OUTPOST_PORTS_END',
  );
  return L.join('\n') + '\n';
}

export type PortState = 'ours' | 'missing' | 'foreign' | 'other';
export interface PortCheck {
  /** False when the output was cut or the table could not be read: nothing below is a verdict. */
  complete: boolean;
  why: string;
  ports: Map<string, { state: PortState; detail: string }>;
  carries: Map<string, { state: 'ok' | 'failed' | 'uncheckable'; detail: string }>;
  checks: CheckResult[];
}

/** Reads OUTPOST_CHECK lines as the runner's check results. */
export function parseChecks(out: string): CheckResult[] {
  const checks: CheckResult[] = [];
  for (const line of out.split('\n')) {
    const m = /^OUTPOST_CHECK (pass|warn|FAIL) ([^:]+): (.*)$/.exec(line.trimEnd());
    if (!m?.[1] || !m[2] || m[3] === undefined) continue;
    const [detail, hint] = m[3].split(' — ', 2) as [string, string | undefined];
    checks.push({ name: m[2], status: m[1] === 'FAIL' ? 'fail' : m[1] === 'warn' ? 'warn' : 'pass', detail, ...(hint ? { hint } : {}) });
  }
  return checks;
}

export function parsePortCheck(out: string): PortCheck {
  const begin = out.indexOf('OUTPOST_PORTS_BEGIN');
  const end = out.lastIndexOf('OUTPOST_PORTS_END');
  const r: PortCheck = { complete: false, why: '', ports: new Map(), carries: new Map(), checks: [] };
  if (begin === -1 || end === -1 || end < begin) {
    r.why = 'the check did not run to its end (its output was cut or the host did not answer)';
    return r;
  }
  const body = out.slice(begin, end);
  const unchecked = /^OUTPOST_PORTS_UNCHECKED (.*)$/m.exec(body);
  r.complete = !unchecked;
  r.why = unchecked?.[1]?.trim() ?? '';
  for (const line of body.split('\n')) {
    const p = /^OUTPOST_PORT (\S+) (ours|missing|foreign|other) (.*)$/.exec(line.trimEnd());
    if (p?.[1] && p[2]) r.ports.set(p[1], { state: p[2] as PortState, detail: p[3] ?? '' });
    const c = /^OUTPOST_CARRY (\S+) (ok|failed|uncheckable) (.*)$/.exec(line.trimEnd());
    if (c?.[1] && c[2]) r.carries.set(c[1], { state: c[2] as 'ok' | 'failed' | 'uncheckable', detail: c[3] ?? '' });
  }
  r.checks = parseChecks(body);
  return r;
}
