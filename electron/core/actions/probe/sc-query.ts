// `sc query <service>` read and said in words (issue 22, item 2). A service that did not start leaves
// its reason in two numbers: WIN32_EXIT_CODE (a Windows error code) and, when that is 1066, the
// service's own SERVICE_EXIT_CODE. `sc start` prints nothing useful where a .bat file hides its output
// (or prints `[SC] StartService FAILED 1053:` in a language Outpost cannot match), so after a failed
// start the state is read back instead and explained here. The codes are Windows' own (winerror.h).
import type { Piece } from '../../../common/api/plan';
import type { Executor } from '../../exec';

export interface ScQuery {
  service: string;
  state: number;
  /** RUNNING, STOPPED, START_PENDING… */
  stateWord: string;
  /** The STATE line as sc printed it, trimmed ("STATE              : 4  RUNNING"). */
  stateLine: string;
  win32ExitCode: number | null;
  serviceExitCode: number | null;
}

/** Parses `sc query` output (any sc, Windows or Wine: the field names are not translated). */
export function parseScQuery(output: string): ScQuery | null {
  const st = /^[ \t]*(STATE\s*:\s*(\d+)\s+([A-Z_]+)).*$/m.exec(output);
  if (!st) return null;
  const num = (name: string): number | null => {
    const m = new RegExp(`^\\s*${name}\\s*:\\s*(\\d+)`, 'm').exec(output);
    return m ? Number(m[1]) : null;
  };
  return {
    service: /^\s*SERVICE_NAME\s*:\s*(\S+)/m.exec(output)?.[1] ?? '',
    state: Number(st[2]),
    stateWord: st[3] ?? '',
    stateLine: `STATE: ${st[2]} ${st[3]}`,
    win32ExitCode: num('WIN32_EXIT_CODE'),
    serviceExitCode: num('SERVICE_EXIT_CODE'),
  };
}

/** What a Windows error code means for a service, in a sentence a Windows admin can act on. */
const MEANINGS: Record<number, string> = {
  2: 'the program the service runs was not found (error 2: its path in the service is wrong, or the files were not unpacked there)',
  3: 'the folder of the program the service runs was not found (error 3)',
  5: 'access was denied (error 5): the service was created or started without administrator rights, or its account may not run the program',
  193: 'the program is not a valid Windows application (error 193): a damaged or wrong-architecture file, or an unquoted path with spaces',
  1053: 'the service did not respond to the start request in time (error 1053): the program started but never reported RUNNING to Windows, often a crash at start or a missing runtime',
  1058: 'the service is disabled (error 1058): set its start type back (sc config <name> start= auto) or reinstall',
  1060: 'no service of that name exists (error 1060): it was never created, or was deleted',
  1066: 'the service stopped with an error of its own (error 1066): see SERVICE_EXIT_CODE and its log',
  1067: 'the service process ended unexpectedly (error 1067): it crashed, see its log or the Windows Application event log',
  1068: 'a service it depends on could not start (error 1068)',
  1069: 'its account could not log on (error 1069): wrong password or missing "Log on as a service" right',
  1077: 'the service has never been started since it was installed (error 1077): its start failed or was never attempted',
};

export function explainWin32(code: number): string {
  return MEANINGS[code] ?? `Windows error ${code}`;
}

/** One sentence for a service that is not RUNNING (null when it runs). */
export function explainScQuery(q: ScQuery): string | null {
  if (q.stateWord === 'RUNNING') return null;
  const name = q.service || 'the service';
  const codes = [q.win32ExitCode !== null ? `WIN32_EXIT_CODE ${q.win32ExitCode}` : '', q.serviceExitCode ? `SERVICE_EXIT_CODE ${q.serviceExitCode}` : ''].filter(Boolean).join(', ');
  let why = '';
  // A stopped service with exit code 0 has not failed: it was stopped, or never started (1077 is said then).
  if (q.win32ExitCode === 1066 && q.serviceExitCode) why = `the service stopped with its own error code ${q.serviceExitCode} (error 1066): see its log`;
  else if (q.win32ExitCode) why = explainWin32(q.win32ExitCode);
  else if (q.stateWord === 'STOPPED') why = 'it was stopped (exit code 0): something stopped it, antivirus software for example';
  return `${name} is ${q.stateLine}${codes ? ` (${codes})` : ''}: ${why || 'it is not running'}.`;
}

/** The service a verify command asks about, when it is `sc query <name>`. */
export function scQueryService(command: readonly Piece[]): string | null {
  const words = command.map((p) => (typeof p === 'string' ? p : null));
  if (words.length !== 3 || words.some((w) => w === null)) return null;
  const [a, b, c] = words as string[];
  return a?.toLowerCase() === 'sc' && b?.toLowerCase() === 'query' && c && /^[A-Za-z0-9_.-]+$/.test(c) ? c : null;
}

/** `sc query` on the host for each service; a sentence for each that is not RUNNING (read-only, never throws). */
export async function servicesNotRunning(ex: Executor, services: readonly string[], signal: AbortSignal): Promise<string[]> {
  const out: string[] = [];
  for (const name of services) {
    const r = await ex.run('cmd', `sc query ${name}`, { signal, timeoutMs: 60_000, readOnly: true }).catch(() => null);
    if (!r) continue;
    const q = parseScQuery(r.output);
    const said = q ? explainScQuery({ ...q, service: q.service || name }) : scFailure(name, r.output);
    if (said) out.push(said);
  }
  return out;
}

/** `[SC] … FAILED <code>:` in words (the service missing: 1060), or null. */
export function scFailure(name: string, output: string): string | null {
  const code = /FAILED (\d+)/.exec(output)?.[1];
  return code ? `sc query ${name} failed: ${explainWin32(Number(code))}.` : null;
}
