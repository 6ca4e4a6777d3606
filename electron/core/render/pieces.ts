// Turns a step's pieces into text for one shell: `display` (secrets as ****, for the Review page, logs
// and --json) or `exec` (secrets resolved and registered with the redactor, for the runner only).
import type { Action, Piece, Probe, SecretPiece, SecretRef, Shell, Step } from '../../common/api/plan';
import { OutpostError } from '../errors';
import { QuoteError, quoteCmd, quotePosix, quotePowerShell } from '../quote';
import { cmdSecretRef } from '../platform/windows';
import { markSecretEnv, storedEnvName } from '../secrets/env';
import { MASK, secrets as defaultSecrets, type SecretRegistry } from '../secrets/registry';

export type RenderMode = 'display' | 'exec';
/** Returns a secret's value, or undefined when it is not available (unset variable, nothing stored). */
export type SecretResolver = (ref: SecretRef) => string | undefined;

/** Resolves `{ env }` references from an environment, and `{ stored: KEY }` from OUTPOST_SECRET_<KEY> (see storedEnvName). */
export function envResolver(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  return (ref) => {
    const name = 'env' in ref ? ref.env : storedEnvName(ref.stored);
    markSecretEnv(name);
    return env[name];
  };
}

export function describeRef(ref: SecretRef): string {
  return 'env' in ref ? `environment variable ${ref.env}` : `stored secret "${ref.stored}" (kept in the app's secure store; outside the app, set the environment variable ${storedEnvName(ref.stored)})`;
}

function quoteFor(shell: Shell, word: string): string {
  switch (shell) {
    case 'bash':
    case 'sh':
      return quotePosix(word);
    case 'cmd':
      return quoteCmd(word, 'batch');
    case 'powershell':
      return quotePowerShell(word);
  }
}

/** Run-time values (`{ fact }` pieces), e.g. the host key verified when Outpost connected. */
export type Facts = Record<string, string>;

interface Ctx {
  shell: Shell;
  mode: RenderMode;
  resolver: SecretResolver | undefined;
  registry: SecretRegistry;
  facts: Facts | undefined;
  /** cmd on this computer: secrets become %OUTPOST_S<n>% references and their values are collected here. */
  stdinSecrets?: string[];
}

function secretWord(p: SecretPiece, c: Ctx): string {
  if (c.mode === 'display') return MASK;
  const value = c.resolver?.(p.secret);
  if (value === undefined || value === '') {
    throw new OutpostError('secret.missing', `${p.name}: the ${describeRef(p.secret)} is not set.`, 'Set it (e.g. export it in the shell that runs outpost) and try again.');
  }
  c.registry.add(value);
  try {
    const quoted = quoteFor(c.shell, value);
    if (c.stdinSecrets && c.shell === 'cmd') {
      // The value passed the same rules as on a command line, so %OUTPOST_Sn% expands to what `quoted` would be.
      c.stdinSecrets.push(value);
      return cmdSecretRef(c.stdinSecrets.length - 1, quoted.startsWith('"'));
    }
    return quoted;
  } catch (err) {
    if (err instanceof QuoteError) {
      // Never echo the value; say which character is the problem.
      throw new OutpostError('secret.unquotable', `${p.name} contains ${JSON.stringify(err.offending)}, which cannot be passed safely to ${c.shell}.`, 'Use a credential without that character.');
    }
    throw err;
  }
}

function word(p: string, c: Ctx): string {
  try {
    return quoteFor(c.shell, p);
  } catch (err) {
    if (err instanceof QuoteError) throw new OutpostError('plan.unquotable', `A value cannot be passed safely to ${c.shell}: ${err.message}.`, 'Change the answer that holds it.');
    throw err;
  }
}

function piece(p: Piece, c: Ctx): string {
  if (typeof p === 'string') return word(p, c);
  if ('op' in p) return p.op;
  if ('secret' in p) return secretWord(p, c);
  if ('fact' in p) {
    if (c.mode === 'display') return `<${p.fact}>`;
    const v = c.facts?.[p.fact];
    if (v === undefined) throw new OutpostError('plan.fact_missing', `The run has no value for ${p.fact} yet.`, 'This is a bug in the plan order.');
    return word(v, c);
  }
  if (c.shell === 'cmd' || c.shell === 'powershell') {
    throw new OutpostError('plan.invalid', `NAME=value prefixes (${p.assign}) only exist in POSIX shells.`, 'This is a bug in the profile.');
  }
  return `${p.assign}=${typeof p.value === 'string' ? word(p.value, c) : secretWord(p.value, c)}`;
}

/** The pieces as one line (or script) for `shell`. */
export function renderPieces(pieces: readonly Piece[], shell: Shell, mode: RenderMode, resolver?: SecretResolver, registry: SecretRegistry = defaultSecrets, facts?: Facts): string {
  const c: Ctx = { shell, mode, resolver, registry, facts };
  return pieces.map((p) => piece(p, c)).join(' ');
}

/**
 * The text of an exec action: for `display`, what a person reads; for `exec`, the script the executor
 * runs in the step's shell. Every shell gets its script on stdin (PowerShell too: the executors start it
 * with a fixed reader, never with the script on its command line), so the text is the script itself.
 */
export function renderExec(a: { command: readonly Piece[]; shell: Shell }, mode: RenderMode, resolver?: SecretResolver, registry: SecretRegistry = defaultSecrets, facts?: Facts): string {
  return renderPieces(a.command, a.shell, mode, resolver, registry, facts);
}

/**
 * A cmd step's text for this computer's Windows platform: secrets are not in the text but referenced
 * as %OUTPOST_S<n>%, and their values (registered with the redactor) go to the step on stdin.
 */
export function renderCmdForStdin(a: { command: readonly Piece[]; shell: Shell }, resolver: SecretResolver, registry: SecretRegistry = defaultSecrets, facts?: Facts): { text: string; secrets: string[] } {
  if (a.shell !== 'cmd') return { text: renderExec(a, 'exec', resolver, registry, facts), secrets: [] };
  const stdinSecrets: string[] = [];
  const c: Ctx = { shell: a.shell, mode: 'exec', resolver, registry, facts, stdinSecrets };
  return { text: a.command.map((p) => piece(p, c)).join(' '), secrets: stdinSecrets };
}

/** The text of a step's command, or null when it has none to run (instructions, probes, transfers). */
export function renderStep(step: Step, mode: RenderMode, resolver?: SecretResolver, registry: SecretRegistry = defaultSecrets, facts?: Facts): string | null {
  return step.action.kind === 'exec' ? renderExec(step.action, mode, resolver, registry, facts) : null;
}

function piecesOf(a: Action | Probe): readonly Piece[] {
  if (a.kind === 'exec' || a.kind === 'command') return a.command;
  if (a.kind === 'writeFile') return a.content;
  if (a.kind === 'editIni') return a.set.map((x) => x.value);
  if (a.kind === 'probe') return a.probes.flatMap(piecesOf);
  return [];
}

/** Every secret reference a step needs, to check they are all available before running anything. */
export function secretRefs(step: Step): SecretPiece[] {
  const out: SecretPiece[] = [];
  for (const p of piecesOf(step.action)) {
    if (typeof p === 'string' || 'op' in p || 'fact' in p) continue;
    if ('secret' in p) out.push(p);
    else if (typeof p.value !== 'string') out.push(p.value);
  }
  return out;
}
