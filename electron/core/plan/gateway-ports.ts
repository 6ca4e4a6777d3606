// Before a remote forward (ssh -R): the jump server's sshd must allow it to listen on an address other
// than loopback (`GatewayPorts clientspecified`), or sshd quietly binds the forward to 127.0.0.1 and the
// targets reach nothing. Read-only, as the jump server's login user: `sshd -T` (with `sudo -n` first:
// sshd -T needs the host keys, which only root reads), else the configuration file itself, else
// "could not check" (a warning, never a pass). The configuration is the running sshd's: the `-f` of the
// listening sshd this session descends from (/proc), /etc/ssh/sshd_config by default.
import type { Forward, JumpHost, Step } from '../../common/api/plan';
import { bracket } from '../../common/forward';
import { step } from './step';

/** The marker of "could not check" (the command probe's `unknown`): it is also the start of what the user reads. */
export const GATEWAY_PORTS_UNREAD = 'GatewayPorts not read';

/** First GatewayPorts outside Match blocks of file $1, following Include (relative to /etc/ssh) one level; prints the value or `unreadable`. */
const READ_CONFIG = [
  "gp_file() { awk 'tolower($1)==\"match\"{exit} tolower($1)==\"include\"{for(i=2;i<=NF;i++) print \"I \" $i; next} tolower($1)==\"gatewayports\"{print \"G \" tolower($2); exit}' \"$1\"; }",
  'gp_read() { gp_file "$1" | while read -r k v; do',
  '  if [ "$k" = G ]; then echo "$v"; exit 0; fi',
  '  case $v in /*) ;; *) v="/etc/ssh/$v";; esac',
  '  for f in $v; do [ -e "$f" ] || continue; [ -r "$f" ] || { echo unreadable; exit 0; }; w=$(gp_file "$f" | sed -n \'s/^G //p\'); [ -n "$w" ] && { echo "$w"; exit 0; }; done',
  'done; }',
].join('\n');

export function gatewayPortsStep(j: JumpHost, forwards: Forward[]): Step {
  const listen = forwards.map((f) => `${bracket(f.listenHost)}:${f.listenPort}`).join(', ');
  const script = [
    // The running sshd's binary and -f: walk up this session's ancestors; the topmost sshd is the listener.
    'cfg=/etc/ssh/sshd_config; bin=; pid=$$',
    'while [ -n "$pid" ] && [ "$pid" -gt 1 ] 2>/dev/null; do',
    "  pid=$(awk '$1==\"PPid:\"{print $2}' /proc/\"$pid\"/status 2>/dev/null)",
    '  [ -n "$pid" ] || break',
    "  args=$(tr '\\000' ' ' < /proc/\"$pid\"/cmdline 2>/dev/null)",
    '  set -f',
    '  # shellcheck disable=SC2086 # the command line split into its words, globbing off',
    '  set -- $args',
    '  set +f',
    '  [ "$1" = "sshd:" ] && shift',
    '  case ${1:-} in */sshd|sshd) b=$1; shift; while [ $# -gt 0 ]; do if [ "$1" = -f ] && [ $# -gt 1 ]; then cfg=$2; fi; shift; done; bin=$b;; esac',
    'done',
    'case $bin in /*) ;; *) bin=$(command -v sshd 2>/dev/null || echo /usr/sbin/sshd);; esac',
    'gp=; how=',
    'out=$(sudo -n "$bin" -T -f "$cfg" 2>/dev/null </dev/null) && [ -n "$out" ] && how="sshd -T as root"',
    '[ -n "$how" ] || { out=$("$bin" -T -f "$cfg" 2>/dev/null </dev/null) && [ -n "$out" ] && how="sshd -T"; }',
    'if [ -n "$how" ]; then gp=$(printf \'%s\\n\' "$out" | awk \'$1=="gatewayports"{print $2; exit}\'); fi',
    READ_CONFIG,
    'if [ -z "$gp" ] && [ -r "$cfg" ]; then gp=$(gp_read "$cfg"); how="read in $cfg, outside Match blocks"; [ -n "$gp" ] || gp=no; fi',
    `if [ -z "$gp" ] || [ "$gp" = unreadable ]; then echo "${GATEWAY_PORTS_UNREAD}: $cfg (or a file it includes) is not readable by $(id -un), and sudo -n sshd -T was refused. Check it by hand: sudo sshd -T | grep -i gatewayports"; exit 0; fi`,
    'case $gp in',
    `  clientspecified) echo "GatewayPorts clientspecified ($how): the remote forward may listen on ${listen}";;`,
    `  yes) echo "GatewayPorts yes ($how): remote forwards listen on every address of this server, not only ${listen}";;`,
    `  *) echo "GatewayPorts $gp ($how): sshd binds remote forwards to loopback only, so the targets could not reach ${listen}. Set GatewayPorts clientspecified in $cfg and reload sshd, then run again."; exit 1;;`,
    'esac',
  ].join('\n');
  return step({
    id: `tunnel.${j.id}.gatewayports`,
    on: j.id,
    phase: 'tunnel',
    title: `Check GatewayPorts clientspecified in the sshd of ${j.label} (the remote forward listens on ${listen})`,
    titles: {
      'zh-CN': `检查 ${j.label} 的 sshd 是否设置 GatewayPorts clientspecified（远程转发监听 ${listen}）`,
      fr: `Vérifier GatewayPorts clientspecified dans le sshd de ${j.label} (le renvoi distant écoute sur ${listen})`,
    },
    titleKey: 'plan.step.tunnelGatewayPorts',
    params: { index: j.index, host: j.label, listen: String(listen) },
    action: { kind: 'probe', probes: [{ kind: 'command', name: 'GatewayPorts', shell: 'sh', command: [{ op: script }], exitCode: 0, unknown: [GATEWAY_PORTS_UNREAD] }] },
    description: `Read-only, before the remote tunnel: sshd -T (sudo -n first), else the sshd configuration file, on ${j.label}. clientspecified passes; yes passes saying the forward listens on every address; no (the default) fails, since sshd would bind the forward to loopback; unreadable is "could not check".`,
  });
}
