// A program that installs on other hosts and says which (the vendor's inherited installation): its
// output, read line by line as a terminal shows it, confirms hosts; the run keeps what it said as facts
// (`confirmed.<ip>`, and the step's last line and exit) that each host's `confirmed` probe reads.
import ipaddr from 'ipaddr.js';
import type { Action, Probe } from '../../common/api/plan';
import type { CheckResult } from '../../common/api/run';
import { plainLine } from '../exec/prompts';
import type { Facts } from '../render';

export interface InstallerOutcome {
  /** Addresses the output confirmed (a line matching hostDone with that ip). */
  confirmed: Set<string>;
  /** The script's last line (finished), when it printed it. */
  finishedLine: string | null;
}

/** One form per address (IPv6 compressed), so the output and the list compare equal. */
export function normalizeIp(ip: string): string {
  return ipaddr.isValid(ip) ? ipaddr.parse(ip).toString() : ip;
}

/** Reads the installer's whole output: which hosts it confirmed, and whether it printed its last line. */
export function parseInstallerOutput(output: string, re: { hostDone: RegExp; singleDone?: RegExp | undefined; finished?: RegExp | undefined }, singleIp?: string): InstallerOutcome {
  const confirmed = new Set<string>();
  let finishedLine: string | null = null;
  for (const raw of output.split('\n')) {
    const line = plainLine(raw);
    const ip = re.hostDone.exec(line)?.groups?.ip;
    if (ip && ipaddr.isValid(ip)) confirmed.add(normalizeIp(ip));
    if (singleIp && re.singleDone?.test(line)) confirmed.add(normalizeIp(singleIp));
    if (re.finished?.test(line)) finishedLine = line.trim();
  }
  return { confirmed, finishedLine };
}

type Confirms = NonNullable<Extract<Action, { kind: 'exec' }>['confirms']>;

/** Records what the program's output confirmed, and how it ended, as facts of the run. */
export function recordConfirmations(facts: Facts, stepId: string, c: Confirms, output: string, end: { exitCode: number | null } | { error: string }): void {
  const r = parseInstallerOutput(output, { hostDone: new RegExp(c.hostDone), singleDone: c.singleDone ? new RegExp(c.singleDone) : undefined, finished: c.finished ? new RegExp(c.finished) : undefined }, c.single);
  for (const ip of r.confirmed) facts[`confirmed.${ip}`] = stepId;
  facts[`${stepId}.ran`] = 'yes';
  if (r.finishedLine) facts[`${stepId}.finished`] = r.finishedLine;
  if ('error' in end) facts[`${stepId}.error`] = end.error;
  else facts[`${stepId}.exit`] = String(end.exitCode ?? 'none');
}

/** A host's verdict: confirmed by the program's output, or why not (in the installer's own terms). */
export function confirmedCheck(p: Extract<Probe, { kind: 'confirmed' }>, facts: Facts): CheckResult {
  const name = 'installer confirmation';
  if (facts[`confirmed.${normalizeIp(p.address)}`] === p.step) return { name, status: 'pass', detail: `the installer confirmed ${p.address}` };
  const finished = facts[`${p.step}.finished`];
  const error = facts[`${p.step}.error`];
  const why = !facts[`${p.step}.ran`]
    ? 'the installer did not run'
    : error
      ? `the installer's output did not confirm this host (${error})`
      : finished
        ? `the installer's output did not confirm this host (it printed "${finished}" which only means its loop ended)`
        : `the installer's output did not confirm this host (it ended with exit code ${facts[`${p.step}.exit`] ?? 'none'} without its last line)`;
  return { name, status: 'fail', detail: why, hint: 'Check that the host is in the same VPC and subnet as the host with the agent, and its root password; the output above has the installer\'s messages.' };
}
