// One step run through its action module on a real executor, outside the engine: the context a host
// job would give (values already filled), with what the step printed and said collected for the test.
import type { Action, Step } from '../../../electron/common/api/plan';
import { runAction, type StepContext, type StepOutcome } from '../../../electron/core/actions';
import type { Executor, InputSink } from '../../../electron/core/exec';
import { listArchive } from '../../../electron/core/packages/unpack';
import type { PackageSums } from '../../../electron/core/packages/plan-packages';
import { SecretRegistry } from '../../../electron/core/secrets/registry';

export interface StepRun {
  outcome: Promise<StepOutcome>;
  /** Output and Outpost's lines, as they came (not masked). */
  output: () => string;
  secrets: SecretRegistry;
}

export function runStep(
  ex: Executor,
  action: Action,
  o: { secrets?: Record<string, string>; packages?: PackageSums; onInput?: (sink: InputSink | null) => void; signal?: AbortSignal } = {},
): StepRun {
  let out = '';
  const secrets = new SecretRegistry();
  const step: Step = { id: 'step', title: 'The step', on: 'targets', phase: 'install', action } as unknown as Step;
  const value = (name: string): string => {
    const v = o.secrets?.[name];
    if (v === undefined) throw new Error(`the test gave no value for ${name}`);
    secrets.add(v);
    return v;
  };
  const c: StepContext = {
    step,
    hostId: 'target0',
    host: ex.label,
    ex,
    signal: o.signal ?? new AbortController().signal,
    secrets,
    resolver: (ref) => value('env' in ref ? ref.env : ref.stored),
    facts: {},
    secret: (ref) => value('env' in ref ? ref.env : ref.stored),
    output: (t) => void (out += t),
    say: (l) => void (out += `${l}\n`),
    echo: () => undefined,
    progress: () => undefined,
    ...(o.onInput ? { onInput: o.onInput } : {}),
    packages: o.packages,
    listing: (file) => listArchive(file),
    run: { checkOnly: false, overridePreflight: false, mode: 'direct', profileName: 'test' },
  };
  return { outcome: runAction(action, c), output: () => out, secrets };
}

/** Every process command line on this machine, polled every ~100 ms until stop() (`-ww`: never cut). */
export function pollCommandLines(): { stop: () => Promise<{ samples: number; lines: string[] }> } {
  let stopped = false;
  let samples = 0;
  const seen = new Set<string>();
  const loop = (async () => {
    const { execFile } = await import('node:child_process');
    const ps = () => new Promise<string>((resolve) => execFile('ps', ['-ww', '-eo', 'args='], { maxBuffer: 16 * 1024 * 1024 }, (_e, stdout) => resolve(stdout ?? '')));
    while (!stopped) {
      const stdout = await ps();
      samples++;
      for (const line of stdout.split('\n')) if (line.trim()) seen.add(line.trim());
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      return { samples, lines: [...seen] };
    },
  };
}

/**
 * The lines that hold `secret` in any form: as it is, or inside a base64 word (PowerShell's
 * -EncodedCommand: UTF-16LE; or UTF-8), whatever its alignment in the encoded text.
 */
export function leaks(lines: readonly string[], secret: string): string[] {
  return lines.filter((l) => {
    if (l.includes(secret)) return true;
    for (const word of l.match(/[A-Za-z0-9+/]{16,}={0,2}/g) ?? []) {
      for (let skip = 0; skip < 4; skip++) {
        const b = Buffer.from(word.slice(skip), 'base64');
        if (b.toString('utf16le').includes(secret) || b.subarray(1).toString('utf16le').includes(secret) || b.toString('utf8').includes(secret)) return true;
      }
    }
    return false;
  });
}
