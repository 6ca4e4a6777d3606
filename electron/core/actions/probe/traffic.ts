// Established connections, as sh scripts that print their own verdicts (OUTPOST_CHECK lines): run by
// Outpost and written into the playbook alike. Each asks ss for the planned ports only (and, for the
// tunnel's traffic, this host's own address), so a busy host's thousands of connections never reach
// the output; a table without its header was not read, and says "could not check".
import type { Probe } from '../../../common/api/plan';
import { quotePosix as q } from '../../quote';
import { CHECK_FUNCS } from './ports';

/**
 * Reads established TCP connections into $out, filtered by `filter` where ss can; sets $H to the header it
 * must have. With processes: as root where it can (sudo -n), since ss and netstat name only the login
 * user's own processes to anyone else, and an agent runs as root; $noroot says when it could not.
 */
function established(filter: string, withProcess: boolean): string[] {
  return [
    `F=${q(filter)}`,
    "out=''; H=none; S=''; noroot=''",
    // Root through sudo only when sudo really gives root (a stand-in sudo, as in `outpost demo`, may not).
    ...(withProcess ? ['if [ "$(id -u)" != 0 ]; then if [ "$(sudo -n id -u 2>/dev/null)" = 0 ]; then S=\'sudo -n\'; else noroot=1; fi; fi'] : []),
    // Root of a user namespace (a container, `outpost demo`'s hosts) sees no process of a sibling one.
    ...(withProcess ? ["if [ -r /proc/self/uid_map ] && ! awk 'NR == 1 && $1 == 0 && $2 == 0 && $3 == 4294967295 { ok = 1 } END { exit !ok }' /proc/self/uid_map; then noroot=1; fi"] : []),
    `if command -v ss >/dev/null 2>&1; then out=$($S ss -tn${withProcess ? 'p' : ''} state established "$F" 2>/dev/null); H=Recv-Q`,
    `elif command -v netstat >/dev/null 2>&1; then out=$($S netstat -tn${withProcess ? 'p' : ''} 2>/dev/null); H=Proto; fi`,
    'ok=yes; case $H in none) ok=no; why="neither ss nor netstat is available" ;; *) printf \'%s\\n\' "$out" | grep -q "^$H" || { ok=no; why="the connection table could not be read"; } ;; esac',
  ];
}

/** Lines "<local port> <peer host> <rest>" from $out, for the ports in $PORTS (netstat is not filtered by ss). */
const ROWS = `printf '%s\\n' "$out" | awk -v ports="$PORTS" '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /:[0-9]+$/) a[++n] = $i; if (n < 2) next; l = a[1]; p = a[2]; m = match(l, /:[0-9]+$/); lp = substr(l, m + 1) + 0; m = match(p, /:[0-9]+$/); pp = substr(p, m + 1) + 0; h = substr(p, 1, m - 1); gsub(/^\\[|\\]$/, "", h); sub(/^::ffff:/, "", h); print lp, pp, h, $0 }'`;

/** The words when the jump server cannot attribute what it sees, but the target saw its own agent connect. */
export const NOT_ATTRIBUTABLE = 'agent connected from the target; not attributable at the jump server';

/**
 * tunnelTraffic, on the jump server: connections on the forwarded ports from this host's address
 * ($peer, set before the script). Traffic from other addresses is no evidence for this host: said,
 * never passed. $connected (set before the script) is 1 when the host's own check saw its agent's
 * connections: then what the jump server cannot attribute (NAT, a load balancer) is said as such. The
 * agent connects now and then, so it looks up to five times, a second apart.
 */
export function trafficScript(p: Extract<Probe, { kind: 'tunnelTraffic' }>): string {
  const ports = [...new Set(p.forwards.filter((f) => p.ports.includes(f.listenPort) || p.ports.some((x) => f.name.endsWith(`-${x}`))).map((f) => f.listenPort))];
  const filter = ports.length ? `( ${ports.map((x) => `sport = :${x}`).join(' or ')} )` : 'sport = :0';
  return [
    CHECK_FUNCS,
    `PORTS=${q(` ${ports.join(' ')} `)}; i=0; self=''; others=''`,
    'while [ $i -lt 5 ]; do',
    ...established(filter, false).map((l) => `  ${l}`),
    '  [ $ok = yes ] || break',
    `  peers=$(${ROWS} | awk -v ports="$PORTS" 'index(ports, " " $1 " ") { print $3 }')`,
    '  if [ -n "$peer" ] && printf \'%s\\n\' "$peers" | grep -qxF -- "$peer"; then self=1; break; fi',
    "  others=$(printf '%s\\n' \"$peers\" | awk 'NF && !s[$0]++' | head -n 5 | awk '{ printf \"%s%s\", (NR > 1 ? \", \" : \"\"), $0 }')",
    '  i=$((i + 1)); [ $i -lt 5 ] && sleep 1',
    'done',
    `if [ $ok != yes ]; then outpost_check warn 'agent traffic' "could not check: $why" ${q('Check by hand on the jump server: ss -tn state established.')}`,
    'elif [ -n "$self" ]; then outpost_check pass \'agent traffic\' "agent traffic seen through the tunnel from $peer"',
    `elif [ "\${connected:-}" = 1 ] && [ -n "$others" ]; then outpost_check warn 'agent traffic' "${NOT_ATTRIBUTABLE} (the forwarded ports carry traffic from $others, none from \${peer:-this host}: NAT or a load balancer)" ${q("The host's own check of its agent's connections decides for this host.")}`,
    `elif [ "\${connected:-}" = 1 ]; then outpost_check warn 'agent traffic' "${NOT_ATTRIBUTABLE} (no connection on the forwarded ports seen here: another jump server behind the load balancer may carry it)" ${q("The host's own check of its agent's connections decides for this host.")}`,
    `elif [ -n "$others" ]; then outpost_check warn 'agent traffic' "agent traffic on the forwarded ports comes from $others, none from \${peer:-this host}: not attributable to this host at the jump server (NAT, or another host's agent)" ${q("The host's own checks (its agent process and connections) decide; check again later if they did not run.")}`,
    `else outpost_check warn 'agent traffic' 'no agent connection seen on the forwarded ports yet' ${q('The agent may not have connected yet; check again later, and check the security group rule.')}; fi`,
    '',
  ].join('\n');
}

/** connections, on the host itself: the agent's process has an established connection to each port. */
export function connectionsScript(p: Extract<Probe, { kind: 'connections' }>): string {
  const filter = p.ports.length ? `( ${p.ports.map((x) => `dport = :${x}`).join(' or ')} )` : 'dport = :0';
  return [
    CHECK_FUNCS,
    `PORTS=${q(` ${p.ports.join(' ')} `)}`,
    ...established(filter, true),
    `if [ $ok != yes ]; then outpost_check warn ${q(p.name)} "could not check connections: $why"`,
    "else seen=''; missing=''",
    `  rows=$(${ROWS})`,
    ...p.ports.map(
      (port) =>
        `  if printf '%s\\n' "$rows" | awk -v p=${port} '$2 == p' | grep -qF -- ${q(p.process)}; then seen="$seen\${seen:+, }${port}"; else missing="$missing\${missing:+, }${port}"; fi`,
    ),
    `  if [ -z "$missing" ]; then outpost_check pass ${q(p.name)} ${q(`${p.process} connected to `)}"$seen"`,
    // Without root, another user's process (the agent's, as a rule) has no name in the table: not seen is not absent.
    `  elif [ -n "$noroot" ]; then outpost_check warn ${q(p.name)} ${q(`could not check: no connection of ${p.process} to `)}"$missing"${q(" seen, and only root sees other users' processes in the connection table (not root, no sudo without a password, or root of a user namespace only)")} ${q(`Check by hand as root: netstat -nap | grep ${p.process}`)}`,
    `  else outpost_check FAIL ${q(p.name)} ${q(`${p.process} has no ESTABLISHED connection to `)}"$missing" 'The security group or a firewall blocks these ports.'; fi`,
    'fi',
    '',
  ].join('\n');
}
