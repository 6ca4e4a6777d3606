// Why a host failed, in the UI's language. The core says a host's failure (its reason and hint) in
// English, word for word the same in the report, the journal and the CLI; as with the check words
// (./checks.ts), the UI maps each known sentence to a key here and keeps the values as written (hosts,
// fingerprints, the output's own lines). A step failure's frame is said here, its checks through the
// check words, its title as the plan names it. Unknown sentences stay in English. A unit test runs the
// core's own error builders through these rules (test/unit/renderer/reason-words.test.ts).
import { checkDetail, checkHint, checkName, DETAIL_RULES, HINT_RULES, matchRule, NAME_RULES, type Rule } from './checks';

type T = (key: string, params?: Record<string, unknown>) => string;
const NS = 'checkWords.reason';

/** A host's reason as a whole sentence (the SSH layer's, the run's, the check's verdicts). */
export const REASON_RULES: Rule[] = [
  { re: /^Connection refused by (?<at>\S+(?: \(through \S+\))?)\.$/, key: 'refused' },
  { re: /^(?<at>\S+(?: \(through \S+\))?) is unreachable \((?<code>[A-Z]+)\)\.$/, key: 'unreachable' },
  { re: /^The host name (?<host>\S+) could not be resolved \((?<code>[A-Z_]+)\)\.$/, key: 'dnsCode' },
  { re: /^The host name (?<host>\S+) could not be resolved\.$/, key: 'dns' },
  { re: /^Connecting to (?<at>\S+(?: \(through \S+\))?) timed out after (?<s>\d+) s\.$/, key: 'timeoutAfter' },
  { re: /^Connecting to (?<at>\S+(?: \(through \S+\))?) timed out\.$/, key: 'timeout' },
  { re: /^The connection to (?<at>\S+(?: \(through \S+\))?) was closed by the remote side\.$/, key: 'closed' },
  { re: /^Timed out waiting for (?<at>\S+(?: \(through \S+\))?) to complete the SSH handshake\.$/, key: 'handshake' },
  { re: /^Authentication failed for (?<who>\S+(?: \(through \S+\))?)\. Methods tried: (?<tried>[^.]+)\. The server accepts: (?<server>[^.]+)\.$/, key: 'authServer' },
  { re: /^Authentication failed for (?<who>\S+(?: \(through \S+\))?)\. Methods tried: (?<tried>[^.]+)\.$/, key: 'auth' },
  { re: /^The jump server (?<via>\S+) could not connect to (?<at>\S+(?: \(through \S+\))?): connection refused\.$/, key: 'jumpRefused' },
  { re: /^The jump server (?<via>\S+) cannot reach (?<at>\S+(?: \(through \S+\))?)\.$/, key: 'jumpUnreachable' },
  { re: /^The jump server (?<via>\S+) could not resolve (?<host>\S+)\.$/, key: 'jumpDns' },
  { re: /^The jump server (?<via>\S+) refused to forward to (?<at>\S+(?: \(through \S+\))?) \(administratively prohibited\)\.$/, key: 'jumpProhibited' },
  { re: /^The jump server (?<via>\S+) timed out connecting to (?<at>\S+(?: \(through \S+\))?)\.$/, key: 'jumpTimeout' },
  { re: /^The jump server (?<via>\S+) could not open a channel to (?<at>\S+(?: \(through \S+\))?): (?<msg>.+)$/, key: 'jumpChannel' },
  { re: /^SSH error with (?<at>\S+(?: \(through \S+\))?): (?<msg>.+)$/, key: 'sshError' },
  { re: /^The host key of (?<at>\S+(?: \(through \S+\))?) \((?<key>[^)]+)\) was not accepted; not connecting\.$/, key: 'keyRejected' },
  { re: /^The host key of (?<at>\S+(?: \(through \S+\))?) has CHANGED: known (?<known>.+?), now presented (?<now>.+?)\. Someone could be intercepting the connection \(man-in-the-middle\), or the host was reinstalled\. Not connecting\.$/, key: 'keyChanged' },
  { re: /^Not tried: (?<jump>.+?) failed \((?<why>.+)\)$/, key: 'notTried' },
  { re: /^the agent passes its checks$/, key: 'healthy' },
  { re: /^the tunnel on (?<jump>.+?) is down: (?<why>.+) \(the agent itself passes its checks here, but cannot report through the tunnel\)$/, key: 'tunnelDownAgentOk' },
  { re: /^the tunnel on (?<jump>.+?) is down: (?<why>.+?); on the host: (?<host>.*)$/, key: 'tunnelDownHost' },
  { re: /^(?<title>.+?) failed on (?<host>.+?): (?<why>.+?)\.(?: Last output: (?<last>.*))?$/s, key: 'stepFailed' },
  { re: /^Cancelled\.$/, key: 'cancelled' },
];

/** Why a step failed (its "<why>"), and the checks a failed check step lists. */
const WHY_RULES: Rule[] = [
  { re: /^it exited with code none \(killed\)$/, key: 'killed' },
  { re: /^it exited with code (?<code>\d+)$/, key: 'exitCode' },
  { re: /^the output says "(?<said>.*)"$/s, key: 'outputSays' },
  { re: /^its success message \((?<markers>.+)\) did not appear$/, key: 'noSuccess' },
  { re: /^(?<cause>.+) \((?<why>it exited with code .+|the output says ".*"|its success message \(.+\) did not appear)\)$/s, key: 'causeWhy' },
];

/** What to do (the hints that go with the reasons above). */
export const REASON_HINT_RULES: Rule[] = [
  { re: /^Check that an SSH server runs on (?<host>\S+) port (?<port>\d+) and that no firewall rejects the connection\.$/, key: 'refused' },
  { re: /^Check the address, your network route or VPN, and that the host is up\.$/, key: 'unreachable' },
  { re: /^Check the spelling of the host name or use its IP address; check your DNS settings\.$/, key: 'dns' },
  { re: /^Check the spelling of the host name or use its IP address\.$/, key: 'dnsShort' },
  { re: /^Check that the host is up and that a firewall does not drop SSH traffic\.$/, key: 'timeout' },
  { re: /^Check that the host is up, that the port is an SSH server, and that no firewall drops the traffic\.$/, key: 'timeoutAfter' },
  { re: /^The server or a firewall closed the connection; check the server log \(e\.g\. MaxStartups, AllowUsers, TCP wrappers\)\.$/, key: 'closed' },
  { re: /^Check that the port is an SSH server and that the host is not overloaded\.$/, key: 'handshake' },
  { re: /^See the log for details; check that the server is an SSH server and reachable\.$/, key: 'sshError' },
  { re: /^Check the user name and the password or key; make sure the server allows one of the methods you configured\.$/, key: 'auth' },
  { re: /^Check that an SSH server runs on (?<host>\S+) port (?<port>\d+) as seen from the jump server\.$/, key: 'jumpRefused' },
  { re: /^Check the target address and the jump server's routes and firewall\.$/, key: 'jumpUnreachable' },
  { re: /^Use the target's IP address or fix DNS on the jump server\.$/, key: 'jumpDns' },
  { re: /^Enable AllowTcpForwarding on the jump server for this user, or use another jump account\.$/, key: 'jumpProhibited' },
  { re: /^Check that the target is up and reachable from the jump server\.$/, key: 'jumpTimeout' },
  { re: /^Check that the jump server allows TCP forwarding and can reach the target\.$/, key: 'jumpChannel' },
  { re: /^Compare the fingerprint with the one the host's administrator gives you \(ssh-keygen -lf \/etc\/ssh\/ssh_host_\*_key\.pub\) and accept it if they match\.$/, key: 'keyRejected' },
  { re: /^Confirm the new fingerprint with the host's administrator; if it is legitimate, forget the old key with: (?<cmd>.+) and connect again\.$/, key: 'keyChanged' },
  { re: /^The output above shows the cause\.$/, key: 'outputAbove' },
  { re: /^Run it again when ready\.$/, key: 'again' },
];

export interface ReasonContext {
  /** A step's title in the UI's language, from its English title as the plan has it. */
  stepTitle?: (english: string) => string | undefined;
}

const tr = (t: T, group: string, key: string, params: Record<string, unknown>, english: string): string =>
  t(`${NS}.${group}.${key}`, { ...params, defaultValue: english, interpolation: { escapeValue: false } });

/** A step's "<why>": its exit code or marker, or the checks that failed ("name (detail); …"). */
function whyWords(t: T, why: string): string {
  const m = matchRule(WHY_RULES, why);
  if (m) {
    const params: Record<string, unknown> = { ...m.params };
    if (m.key === 'causeWhy' && m.params.why) params.why = whyWords(t, m.params.why);
    return tr(t, 'why', m.key, params, why);
  }
  // A check step's failed checks: each "name (detail)" through the check words.
  const parts = why.split('; ');
  const checks = parts.map((p) => /^(?<name>[^(]+?) \((?<detail>.+)\)$/s.exec(p)?.groups);
  if (checks.every((c) => c && (matchRule(NAME_RULES, c.name ?? '') || matchRule(DETAIL_RULES, c.detail ?? '')))) {
    return checks.map((x) => tr(t, 'why', 'check', { name: checkName(t, x?.name ?? ''), detail: checkDetail(t, x?.detail ?? '') }, `${x?.name} (${x?.detail})`)).join(t('checkWords.sep', { defaultValue: '; ' }));
  }
  return why;
}

/** A host's reason in the UI's language, where the sentence is one the core says; else as written. */
export function reasonWords(t: T, text: string, c: ReasonContext = {}): string {
  const m = matchRule(REASON_RULES, text);
  if (!m) return text;
  const params: Record<string, unknown> = { ...m.params };
  if (m.key === 'stepFailed') {
    params.title = (m.params.title && c.stepTitle?.(m.params.title)) ?? m.params.title;
    params.why = whyWords(t, m.params.why ?? '');
    const head = tr(t, 'reason', 'stepFailed', params, text);
    return m.params.last ? `${head} ${tr(t, 'reason', 'lastOutput', { last: m.params.last }, `Last output: ${m.params.last}`)}` : head;
  }
  if (m.params.why) params.why = reasonWords(t, m.params.why, c);
  if (m.params.host !== undefined && m.key === 'tunnelDownHost') params.host = reasonWords(t, m.params.host, c);
  return tr(t, 'reason', m.key, params, text);
}

/** A host's hint in the UI's language: the SSH layer's and the run's hints, then the check hints. */
export function reasonHintWords(t: T, text: string): string {
  const m = matchRule(REASON_HINT_RULES, text);
  if (m) return tr(t, 'hint', m.key, m.params, text);
  return matchRule(HINT_RULES, text) ? checkHint(t, text) : text;
}

/** Either: a reason when it is one, else a hint when it is one (the views pass both through one hook). */
export function failureWords(t: T, text: string, c: ReasonContext = {}): string {
  const r = reasonWords(t, text, c);
  return r !== text ? r : reasonHintWords(t, text);
}
