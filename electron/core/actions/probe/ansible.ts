// Probes as POSIX shell checks for the Ansible export. Outpost judges a probe in its own process
// (run/probes.ts, run/preflight.ts); Ansible has no Outpost on the hosts, so each probe becomes a small
// sh script that gathers the same facts with the same commands and prints the same verdict Outpost
// would, one line per check:
//   OUTPOST_CHECK pass|warn|FAIL <name>: <detail>[ — <hint>]
// The playbook fails a step on a FAIL line, and a guard passes only when every line says pass — as the
// runner does. Names, details and hints are the runner's, word for word (test/unit/export checks them).
import type { Probe } from '../../../common/api/plan';
import { CHECK_FUNCS, portCheckScript } from './ports';
import { connectionsScript, trafficScript } from './traffic';
import { preflightScript } from './preflight';
import { quotePosix as q } from '../../quote';
import { expr, hostIntSentinel, jstr, lit, renderShell, type JText, type RenderContext } from '../jinja';

const PREFLIGHT_KINDS = new Set(['clock', 'platform', 'disk', 'tools', 'privilege', 'reach']);

/** Functions every check script starts with. */
export const CHECK_PRELUDE = `${CHECK_FUNCS}\n`;

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
    const hint = 'hint' in p ? p.hint : undefined;
    if (hint) text.push(lit(`outpost_hint=${q(hint)}\n`), ...probeCheck(p, c), lit("\noutpost_hint=''\n"));
    else text.push(...probeCheck(p, c), lit('\n'));
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
    lit(`outpost_preflight() {\n${preflightScript({ installDir, reach, tools: tools.flat(), sudo: pre.some((p) => p.kind === 'privilege') })}}\n`),
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

function probeCheck(p: Probe, c: CheckContext): JText {
  const L = (lines: string[]) => [lit(lines.join('\n'))];
  switch (p.kind) {
    case 'login':
      return L(["outpost_check pass login 'logged in, host key verified'"]);
    case 'listening': {
      // A per-host port is the host's inventory variable through `| int` (digits, whatever the inventory holds).
      const port = p.port === undefined ? undefined : hostIntSentinel(p.port);
      const forwards = port === undefined ? p.forwards : p.forwards.map((f) => ({ ...f, listenPort: port as unknown as number }));
      return L([portCheckScript({ forwards, hold: forwards.every((f) => f.listenHost === '*') ? 'any' : 'user', verdict: 'listening' })]);
    }
    case 'tunnelHealthy':
      return L([portCheckScript({ forwards: p.forwards, hold: 'tunnel', argv: p.argv ?? [], ...(p.unit ? { unit: p.unit } : {}), carry: true, verdict: 'healthy' })]);
    case 'process': {
      const name = `process ${p.name}`;
      if (!p.match) return L([`outpost_check warn ${q(name)} 'no process pattern given'`]);
      return L([
        `M=${q(p.match)}; export M`,
        `n=$(ps ${p.mine ? '-u "$(id -u)" -o' : '-eo'} pid=,args= 2>/dev/null | awk 'ENVIRON["M"] != "" && index($0, ENVIRON["M"]) { n++ } END { print (n + 0) }')`,
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
      return L([connectionsScript(p)]);
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
  const unknown = p.unknown ?? [];
  // As the runner: an unknown marker, or nothing printed at all by a check that can be unsure.
  const unknownOk = unknown.length ? `unk=''; case $out in ${unknown.map((m) => `*${q(m)}*`).join(' | ')}) unk=1 ;; esac; [ -n "$(printf '%s' "$out" | tr -d ' \\t\\r\\n')" ] || unk=1` : "unk=''";
  return [
    lit('out=$( {\n'),
    ...cmd,
    lit(
      [
        '',
        '} </dev/null 2>&1 ); rc=$?',
        exitOk,
        markerOk,
        unknownOk,
        // The last 3 lines of the output, trimmed (the runner's detail).
        `last=$(printf '%s\\n' "$out" | awk '{ l[NR] = $0 } END { s = 1; e = NR; while (s <= e && l[s] ~ /^[ \\t\\r]*$/) s++; while (e >= s && l[e] ~ /^[ \\t\\r]*$/) e--; if (s > e) exit; sub(/^[ \\t]+/, "", l[s]); sub(/[ \\t\\r]+$/, "", l[e]); b = e - 2 < s ? s : e - 2; for (i = b; i <= e; i++) printf "%s%s", (i > b ? " | " : ""), l[i] }')`,
        // The runner's "could not check" (a warning, never a pass) when an unknown marker appears.
        `if [ -n "$unk" ]; then outpost_check warn ${q(p.name)} "could not check: \${last:-the check could not run}"`,
        `elif [ -n "$eok" ] && [ -n "$mok" ]; then outpost_check pass ${q(p.name)} "\${last:-ok}"`,
        `elif [ -z "$eok" ]; then outpost_check ${p.advisory ? 'warn' : 'FAIL'} ${q(p.name)} "exit code $rc\${last:+: $last}"`,
        `else outpost_check ${p.advisory ? 'warn' : 'FAIL'} ${q(p.name)} ${q(`no ${markers.join(' / ')}`)}"\${last:+: $last}"; fi`,
      ].join('\n'),
    ),
  ];
}

/**
 * tunnelTraffic, looked at from the jump server (the playbook delegates it there): established
 * connections on the forwarded ports, from this host's address; warns (never fails) when none is seen.
 */
export function trafficCheck(p: Extract<Probe, { kind: 'tunnelTraffic' }>, c: CheckContext, connected?: string): JText {
  return [lit('peer='), expr(`${c.peer} | quote`), lit('; connected='), connected ? expr(`(${connected}) | quote`) : lit("''"), lit(`\n${trafficScript(p)}`)];
}

/**
 * Jinja: '1' when the host's own check script (registered as `reg`) passed every connections probe
 * among `probes` (the runner's agentConnected), else ''.
 */
export function connectedExpr(probes: readonly Probe[], reg: string): string | undefined {
  const names = probes.flatMap((p) => (p.kind === 'connections' ? [p.name] : []));
  if (!names.length) return undefined;
  return `'1' if (${names.map((n) => `(${jstr(`OUTPOST_CHECK pass ${n}: `)} in (${reg}.stdout | default('')))`).join(' and ')}) else ''`;
}
