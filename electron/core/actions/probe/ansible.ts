// Probes as POSIX shell checks for the Ansible export. Outpost judges a probe in its own process
// (run/probes.ts, run/preflight.ts); Ansible has no Outpost on the hosts, so each probe becomes a small
// sh script that gathers the same facts with the same commands and prints the same verdict Outpost
// would, one line per check:
//   OUTPOST_CHECK pass|warn|FAIL <name>: <detail>[ — <hint>]
// The playbook fails a step on a FAIL line, and a guard passes only when every line says pass — as the
// runner does. Names, details and hints are the runner's, word for word (test/unit/export checks them).
import type { Forward, Probe } from '../../../common/api/plan';
import { forwardSpec } from '../../../common/forward';
import { LISTENERS_SCRIPT } from './listeners';
import { preflightScript } from './preflight';
import { quotePosix as q } from '../../quote';
import { expr, lit, renderShell, type JText, type RenderContext } from '../jinja';

const PREFLIGHT_KINDS = new Set(['clock', 'platform', 'disk', 'tools', 'privilege', 'reach']);

/** Functions every check script starts with. */
export const CHECK_PRELUDE = [
  'outpost_check() {',
  '  if [ "$1" != pass ] && [ -n "${4:-}" ]; then printf \'OUTPOST_CHECK %s %s: %s — %s\\n\' "$1" "$2" "$3" "$4"',
  '  else printf \'OUTPOST_CHECK %s %s: %s\\n\' "$1" "$2" "$3"; fi',
  '}',
  "outpost_isnum() { case $1 in '' | *[!0-9]*) return 1 ;; *) return 0 ;; esac; }",
  // Listeners as the runner reads them (LISTENERS_SCRIPT, then parseListeners + findListener):
  // prints "yes [process]" when something listens on $2 at $1 (an address, or * for any), else "no".
  `outpost_listeners() { ${LISTENERS_SCRIPT}; }`,
  'outpost_listening() {',
  "  outpost_listeners 2>/dev/null | awk -v H=\"$1\" -v P=\"$2\" '",
  '    { local = ""; proc = "" }',
  '    $1 == "LISTEN" && NF >= 5 { local = $4; pi = ""; for (i = 6; i <= NF; i++) pi = pi (i > 6 ? " " : "") $i',
  '      if (match(pi, /\\("[^"]+",pid=[0-9]+/)) { s = substr(pi, RSTART + 2); proc = substr(s, 1, index(s, "\\"") - 1) } }',
  '    $1 ~ /^tcp6?$/ { for (i = 1; i <= NF; i++) if ($i == "LISTEN") { local = $4; pi = $(i + 1); if (pi ~ /^[0-9]+\\/[^ ]+/) proc = substr(pi, index(pi, "/") + 1); break } }',
  '    local == "" || found { next }',
  '    { if (!match(local, /[:.][0-9]+$/)) next',
  '      port = substr(local, RSTART + 1) + 0; host = substr(local, 1, RSTART - 1)',
  '      if (host ~ /^\\[.*\\]$/) host = substr(host, 2, length(host) - 2)',
  '      if (host == "*" || host == "::" || host == "") host = "0.0.0.0"',
  '      sub(/^::ffff:/, "", host); sub(/%.*$/, "", host)',
  '      if (port == P + 0 && (H == "*" || host == H || host == "0.0.0.0" || host == "::")) { found = 1; print "yes" (proc != "" ? " " proc : "") } }',
  '    END { if (!found) print "no" }\'',
  '}',
  '',
].join('\n');

export interface CheckContext extends RenderContext {
  /** Jinja expressions for this computer's (the Ansible controller's) clock, read when the script is sent. */
  localNow: string;
  localTz: string;
  /** Jinja expression: the host's address as its jump server sees it (tunnelTraffic). */
  peer: string;
}

/** The local (Ansible controller) clock and time zone, read when the template is rendered. */
export const LOCAL_NOW = "lookup('ansible.builtin.pipe', 'date +%s')";
export const LOCAL_TZ = "lookup('ansible.builtin.pipe', 'date +%z')";

/** A check script for probes that run on the host itself (every kind but tunnelTraffic, which runs on the jump server). */
export function hostChecks(probes: readonly Probe[], c: CheckContext): { text: JText; shell: 'sh' | 'bash' } {
  const text: JText = [lit(CHECK_PRELUDE)];
  let shell: 'sh' | 'bash' = 'sh';
  const pre = probes.filter((p) => PREFLIGHT_KINDS.has(p.kind));
  if (pre.length) text.push(...preflightChecks(pre, c));
  for (const p of probes) {
    if (PREFLIGHT_KINDS.has(p.kind) || p.kind === 'tunnelTraffic') continue;
    if (p.kind === 'command' && p.shell === 'bash') shell = 'bash';
    text.push(...probeCheck(p, c), lit('\n'));
  }
  return { text, shell };
}

function preflightChecks(pre: readonly Probe[], c: CheckContext): JText {
  const disk = pre.find((p) => p.kind === 'disk');
  const reach = pre.flatMap((p) => (p.kind === 'reach' ? p.targets : []));
  const tools = pre.flatMap((p) => (p.kind === 'tools' ? p.anyOf : []));
  const platform = pre.find((p) => p.kind === 'platform');
  const installDir = disk?.kind === 'disk' ? disk.path : '/';
  const kinds = new Set(pre.map((p) => p.kind));
  const arch = platform?.kind === 'platform' ? platform.arch : ['x86_64', 'aarch64'];
  const minFreeMiB = disk?.kind === 'disk' ? disk.minFreeMiB : 0;
  const out: JText = [
    lit(`outpost_preflight() {\n${preflightScript({ installDir, reach, tools: tools.flat() })}}\n`),
    lit('outpost_facts=$(outpost_preflight 2>/dev/null)\n'),
    lit('f() { printf \'%s\\n\' "$outpost_facts" | awk -v k="$1" \'index($0, k "=") == 1 { print substr($0, length(k) + 2); exit }\'; }\n'),
    lit(`dir=$(f diskdir); [ -n "$dir" ] || dir=${q(installDir)}\n`),
  ];
  if (kinds.has('clock')) out.push(...clockChecks(c));
  const lines: string[] = [];
  if (kinds.has('platform')) {
    lines.push(
      "os=$(f os); arch=$(f arch); [ -n \"$os\" ] || os='?'; [ -n \"$arch\" ] || arch='?'",
      `if [ "$os" != Linux ]; then outpost_check FAIL system "$os $arch" ${q('This profile installs on Linux hosts; use the Windows flow for Windows.')}`,
      `else case ${q(` ${arch.join(' ')} `)} in *" $arch "*) outpost_check pass system "Linux $arch" ;; *) outpost_check FAIL system "Linux $arch" ${q(`The agent supports ${arch.join(', ')}.`)} ;; esac; fi`,
    );
  }
  if (kinds.has('disk')) {
    lines.push(
      'kb=$(f diskfree_kb)',
      `if outpost_isnum "$kb"; then if [ "$kb" -lt ${minFreeMiB * 1024} ]; then outpost_check FAIL disk "$((kb / 1024)) MiB free in $dir" ${q(`Free at least ${minFreeMiB} MiB there.`)}; else outpost_check pass disk "$((kb / 1024)) MiB free in $dir"; fi`,
      `else outpost_check warn disk "free space in $dir unknown" ${q('Check `df -h` on the host.')}; fi`,
    );
  }
  if (kinds.has('tools') && tools.length) {
    lines.push("found=''; missing=''");
    for (const g of tools) {
      const names = g.filter((t) => /^[A-Za-z0-9_.+-]+$/.test(t));
      lines.push(
        `g=''; for x in ${names.map(q).join(' ') || "''"}; do if [ "$(f "tool_$x")" = yes ]; then g=$x; break; fi; done`,
        `if [ -n "$g" ]; then found="$found\${found:+, }$g"; else found="$found\${found:+, }"; missing="$missing\${missing:+, }"${q(g.join(' or '))}; fi`,
      );
    }
    lines.push(`if [ -n "$missing" ]; then outpost_check FAIL tools "missing: $missing" ${q("Install them with the host's package manager.")}; else outpost_check pass tools "$found"; fi`);
  }
  // Steps marked root run as root: become (sudo) whenever the login user is not root, as the runner does.
  lines.push(
    "uid=$(f uid); user=$(f user); [ -n \"$user\" ] || user='?'; sudo=$(f sudo)",
    'if [ "$uid" != 0 ]; then echo OUTPOST_SUDO yes; else echo OUTPOST_SUDO no; fi',
  );
  if (kinds.has('privilege')) {
    const hint = q('Log in as root (the vendor installs as root), or allow this user `sudo` without a password (NOPASSWD).');
    lines.push(
      'if [ "$uid" = 0 ]; then outpost_check pass privilege root',
      'elif [ "$sudo" = yes ]; then outpost_check pass privilege "$user, with sudo (no password)"',
      `elif [ "$sudo" = password ]; then outpost_check FAIL privilege "$user is not root and sudo asks for a password" ${hint}`,
      `else outpost_check FAIL privilege "$user is not root and has no sudo" ${hint}; fi`,
    );
  }
  if (kinds.has('reach') && reach.length) {
    lines.push(
      `if [ "$(f tool_timeout)" != yes ] || [ "$(f tool_bash)" != yes ]; then outpost_check warn ports 'cannot probe ports (bash or timeout missing)' 'Check reachability by hand.'`,
      "else closed=''",
      ...reach.map((r) => `  [ "$(f ${q(`reach_${r.port}`)})" = open ] || closed="$closed\${closed:+, }"${q(`${r.name} (${r.host}:${r.port})`)}`),
      `  if [ -n "$closed" ]; then outpost_check FAIL ports "not reachable from the host: $closed" ${q('Check the tunnel on the jump server ("check tunnel"), the security group rule, and firewalls between the host and the connection IP.')}`,
      `  else outpost_check pass ports ${q(`all ${reach.length} agent ports reachable at ${[...new Set(reach.map((r) => r.host))].join(', ')}`)}; fi`,
      'fi',
    );
  }
  out.push(lit(`${lines.join('\n')}\n`));
  return out;
}

/** Clock and time zone against the controller's (this computer's), read when the script is sent. */
function clockChecks(c: CheckContext): JText {
  return [
      lit('now=$(f now); lnow='),
      expr(`${c.localNow} | quote`),
      lit('\n'),
      lit(
        [
          'if outpost_isnum "$now" && outpost_isnum "$lnow"; then',
          '  skew=$((now - lnow)); abs=${skew#-}',
          "  if [ \"$abs\" -le 2 ]; then d='in step with this computer'; elif [ \"$skew\" -gt 0 ]; then d=\"$abs s ahead of this computer\"; else d=\"$abs s behind this computer\"; fi",
          `  if [ "$abs" -gt 300 ]; then outpost_check FAIL clock "$d" ${q('Set the host clock right (chrony/ntpdate): log reporting breaks when the times differ.')}`,
          `  elif [ "$abs" -gt 30 ]; then outpost_check warn clock "$d" ${q("Synchronise the host clock with NTP; the agent's reports may be rejected.")}`,
          '  else outpost_check pass clock "$d"; fi',
          `else outpost_check warn clock 'the host did not report its time' ${q('Check `date` on the host.')}; fi`,
          '',
        ].join('\n'),
      ),
      lit('tz=$(f tz); ltz='),
      expr(`${c.localTz} | quote`),
      lit('\n'),
      lit(
        [
          "tzmin() { printf '%s' \"$1\" | awk '/^[+-][0-9][0-9][0-9][0-9]$/ { s = substr($0, 1, 1) == \"-\" ? -1 : 1; print s * (substr($0, 2, 2) * 60 + substr($0, 4, 2)) }'; }",
          'a=$(tzmin "$tz"); b=$(tzmin "$ltz")',
          `if [ -n "$a" ] && [ -n "$b" ] && [ "$a" != "$b" ]; then outpost_check warn 'time zone' "host is UTC$tz, this computer is UTC$ltz" ${q('The vendor asks for the same time zone on both sides; logs may show shifted times.')}`,
          "elif [ -n \"$a\" ]; then outpost_check pass 'time zone' \"UTC$tz\"; fi",
          '',
        ].join('\n'),
      ),
    ];
}

const plural = (n: string) => `$([ ${n} -gt 1 ] && echo es)`;

/** Listening checks for forwards, with the runner's words. `bad` is set when one is not listening. */
function listeningLines(forwards: readonly Forward[], report: boolean): string[] {
  const lines = ["bad=''"];
  for (const f of forwards) {
    lines.push(`l=$(outpost_listening ${q(f.listenHost)} ${f.listenPort})`);
    if (!report) {
      lines.push(`[ "$l" != no ] || bad="$bad x"`);
      continue;
    }
    const okDetail = `listening on ${f.listenHost}:${f.listenPort}`;
    const failed =
      f.listenHost === '*'
        ? `outpost_check FAIL ${q(f.name)} ${q(`nothing listens on port ${f.listenPort}`)} ${q('The agent is not listening: check that its service started and what its log says.')}`
        : `outpost_check FAIL ${q(f.name)} ${q(`NOT listening on ${f.listenHost}:${f.listenPort}`)} ${q('Check the tunnel ("check tunnel") and that sshd allows TCP forwarding.')}`;
    lines.push(
      `case $l in no) bad="$bad x"; ${failed} ;; 'yes '*) outpost_check pass ${q(f.name)} ${q(okDetail)}" (\${l#yes })" ;; *) outpost_check pass ${q(f.name)} ${q(okDetail)} ;; esac`,
    );
  }
  return lines;
}

/** Is an ssh process carrying exactly these forwards (the runner's forwardsCarried)? Prints yes/no. */
function carriedLines(forwards: readonly Forward[]): string[] {
  const wanted = forwards.map((f) => `-L ${forwardSpec(f)}`);
  return [
    `carried=$(ps -eo args= 2>/dev/null | awk -v W=${q(wanted.join('\n'))} '`,
    '  BEGIN { n = split(W, w, "\\n") }',
    '  { line = $0; t = line; sub(/^[ \\t]+/, "", t); sub(/[ \\t]+$/, "", t)',
    '    if (t !~ /^([^ \\t]*\\/)?ssh[ \\t]/) next',
    '    ok = 1; for (i = 1; i <= n; i++) { e = w[i]; if (!index(line, e " ") && !(length(t) >= length(e) && substr(t, length(t) - length(e) + 1) == e)) { ok = 0; break } }',
    "    if (ok) found = 1 } END { print found ? \"yes\" : \"no\" }')",
  ];
}

function probeCheck(p: Probe, c: CheckContext): JText {
  const L = (lines: string[]) => [lit(lines.join('\n'))];
  switch (p.kind) {
    case 'login':
      return L(["outpost_check pass login 'logged in, host key verified'"]);
    case 'listening':
      return L(listeningLines(p.forwards, true));
    case 'tunnelHealthy': {
      const n = p.forwards.length;
      return L([
        ...listeningLines(p.forwards, false),
        'if [ -z "$bad" ]; then',
        ...carriedLines(p.forwards).map((l) => `  ${l}`),
        `  if [ "$carried" = yes ]; then outpost_check pass tunnel ${q(`all ${n} forwards listening and carried by one ssh`)}`,
        `  else outpost_check FAIL tunnel ${q('the ports listen, but no ssh carries exactly these forwards (stale or foreign)')}; fi`,
        `else set -- $bad; outpost_check FAIL tunnel "$# of ${n} forwards not listening"; fi`,
      ]);
    }
    case 'process': {
      const name = `process ${p.name}`;
      if (!p.match) return L([`outpost_check warn ${q(name)} 'no process pattern given'`]);
      return L([
        `M=${q(p.match)}; export M`,
        `n=$(ps -eo pid=,args= 2>/dev/null | awk 'ENVIRON["M"] != "" && index($0, ENVIRON["M"]) { n++ } END { print (n + 0) }')`,
        `if ! outpost_isnum "$n"; then outpost_check warn ${q(name)} 'could not list processes (ps missing?)' ${q(`Check by hand: ps -aux | grep ${p.name}`)}`,
        `elif [ "$n" -gt 0 ]; then outpost_check pass ${q(name)} ${q(`${p.name} runs`)}" ($n process${plural('"$n"')})"`,
        `else outpost_check FAIL ${q(name)} ${q(`no process matching ${p.match}`)} 'The agent did not start: see its log.'; fi`,
      ]);
    }
    case 'service': {
      const name = `service ${p.name}`;
      return L([
        `if command -v systemctl >/dev/null 2>&1; then st=$(systemctl is-active ${q(p.name)} 2>/dev/null | head -n 1); else st=unknown-no-systemctl; fi`,
        `if [ "$st" = unknown-no-systemctl ]; then outpost_check warn ${q(name)} 'systemctl is not available: could not check the service'`,
        `elif [ "$st" = ${q(p.expect)} ]; then outpost_check pass ${q(name)} ${q(`${p.name} is `)}"$st"`,
        `else outpost_check FAIL ${q(name)} ${q(`${p.name} is `)}"\${st:-unknown}"${q(` (expected ${p.expect})`)}; fi`,
      ]);
    }
    case 'http':
      return L([
        `if command -v curl >/dev/null 2>&1; then code=$(curl -ks -o /dev/null -w '%{http_code}' --max-time 10 ${q(p.url)}); else code=no-curl; fi`,
        `c=$(printf '%s' "$code" | sed 's/^0*//'); [ -n "$c" ] || c=0`,
        `if [ "$code" = no-curl ]; then outpost_check warn ${q(p.name)} ${q(`curl is missing: could not check ${p.url}`)}`,
        `else case ${q(` ${p.status.join(' ')} `)} in *" $c "*) outpost_check pass ${q(p.name)} ${q(`${p.url} answered `)}"$code" ;;`,
        `  *) [ "$code" = 000 ] && code=nothing; outpost_check FAIL ${q(p.name)} ${q(`${p.url} answered `)}"$code" 'Check the security group and the route to that address.' ;; esac; fi`,
      ]);
    case 'connections':
      return L([
        'out=$(ss -Htnp state established 2>/dev/null || netstat -tnp 2>/dev/null || echo no-tool)',
        `case $out in *no-tool*) outpost_check warn ${q(p.name)} 'neither ss nor netstat is available: could not check connections' ;;`,
        "*) seen=''; missing=''",
        ...p.ports.map(
          (port) =>
            `   if printf '%s\\n' "$out" | grep -F -- ${q(p.process)} | grep -Eq ':${port}[[:space:]]'; then seen="$seen\${seen:+, }${port}"; else missing="$missing\${missing:+, }${port}"; fi`,
        ),
        `   if [ -z "$missing" ]; then outpost_check pass ${q(p.name)} ${q(`${p.process} connected to `)}"$seen"`,
        `   else outpost_check FAIL ${q(p.name)} ${q(`${p.process} has no ESTABLISHED connection to `)}"$missing" 'The security group or a firewall blocks these ports.'; fi ;;`,
        'esac',
      ]);
    case 'command':
      return commandCheck(p, c);
    default:
      return [];
  }
}

/** A command probe: the runner runs the command as its own script and judges exit code and markers. */
function commandCheck(p: Extract<Probe, { kind: 'command' }>, c: CheckContext): JText {
  // The runner runs the command as its own script (p.shell) and judges exit code and markers.
  const cmd = renderShell(p.command, p.shell, c);
  const exitOk = p.exitCode === undefined ? 'eok=1' : `if [ "$rc" = ${p.exitCode} ]; then eok=1; else eok=''; fi`;
  const markers = p.markers ?? [];
  const markerOk = markers.length ? `mok=''; case $out in ${markers.map((m) => `*${q(m)}*`).join(' | ')}) mok=1 ;; esac` : 'mok=1';
  return [
    lit('out=$( {\n'),
    ...cmd,
    lit(
      [
        '',
        '} </dev/null 2>&1 ); rc=$?',
        exitOk,
        markerOk,
        // The last 3 lines of the output, trimmed (the runner's detail).
        `last=$(printf '%s\\n' "$out" | awk '{ l[NR] = $0 } END { s = 1; e = NR; while (s <= e && l[s] ~ /^[ \\t\\r]*$/) s++; while (e >= s && l[e] ~ /^[ \\t\\r]*$/) e--; if (s > e) exit; sub(/^[ \\t]+/, "", l[s]); sub(/[ \\t\\r]+$/, "", l[e]); b = e - 2 < s ? s : e - 2; for (i = b; i <= e; i++) printf "%s%s", (i > b ? " | " : ""), l[i] }')`,
        `if [ -n "$eok" ] && [ -n "$mok" ]; then outpost_check pass ${q(p.name)} "\${last:-ok}"`,
        `elif [ -z "$eok" ]; then outpost_check FAIL ${q(p.name)} "exit code $rc\${last:+: $last}"`,
        `else outpost_check FAIL ${q(p.name)} ${q(`no ${markers.join(' / ')}`)}"\${last:+: $last}"; fi`,
      ].join('\n'),
    ),
  ];
}

/**
 * tunnelTraffic, looked at from the jump server (the playbook delegates it there): established
 * connections on the forwarded ports, from this host's address; warns (never fails) when none is seen.
 */
export function trafficCheck(p: Extract<Probe, { kind: 'tunnelTraffic' }>, c: CheckContext): JText {
  const ports = [...new Set(p.forwards.filter((f) => p.ports.includes(f.listenPort) || p.ports.some((x) => f.name.endsWith(`-${x}`))).map((f) => f.listenPort))];
  return [
    lit(CHECK_PRELUDE),
    lit('peer='),
    expr(`${c.peer} | quote`),
    lit(
      [
        '',
        `ports=${q(` ${ports.join(' ')} `)}; peers=''; i=0`,
        'while [ $i -lt 5 ]; do',
        '  out=$(ss -Htn state established 2>/dev/null || netstat -tn 2>/dev/null)',
        `  peers=$(printf '%s\\n' "$out" | awk -v ports="$ports" '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /:[0-9]+$/) a[++n] = $i; if (n < 2) next; l = a[1]; p = a[2]; m = match(l, /:[0-9]+$/); lp = substr(l, m + 1) + 0; if (!index(ports, " " lp " ")) next; m = match(p, /:[0-9]+$/); h = substr(p, 1, m - 1); gsub(/^\\[|\\]$/, "", h); sub(/^::ffff:/, "", h); print h }')`,
        '  if [ -n "$peer" ] && printf \'%s\\n\' "$peers" | grep -qxF -- "$peer"; then break; fi',
        '  sleep 1; i=$((i + 1))',
        'done',
        'if [ -n "$peer" ] && printf \'%s\\n\' "$peers" | grep -qxF -- "$peer"; then outpost_check pass \'agent traffic\' "agent traffic seen through the tunnel from $peer"',
        `elif [ -n "$peers" ]; then outpost_check warn 'agent traffic' "agent traffic on the forwarded ports comes from $(printf '%s\\n' "$peers" | awk 'NF && !s[$0]++ { printf "%s%s", (n++ ? ", " : ""), $0 }'), none from \${peer:-this host}: not attributable to this host at the jump server (NAT, or another host's agent)" ${q("The host's own checks (its agent process and connections) decide; check again later if they did not run.")}`,
        `else outpost_check warn 'agent traffic' 'no agent connection seen on the forwarded ports yet' ${q('The agent may not have connected yet; check again later, and check the security group rule.')}; fi`,
        '',
      ].join('\n'),
    ),
  ];
}
