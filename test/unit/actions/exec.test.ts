// An exec step's failure leads with its cause: the output line the profile's diagnosis names (curl's own
// error), else Outpost's own OUTPOST_FAIL line, then why Outpost judged it failed; the code is the
// diagnosis' (curl's 23 is a write failure on the target, not the network).
import { describe, expect, it } from 'vitest';
import type { Step } from '../../../electron/common/api/plan';
import { runAction, StepFailure, type StepContext } from '../../../electron/core/actions';
import type { Executor } from '../../../electron/core/exec';
import { planFromAnswers } from '../../../electron/core/plan';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { example, profiles, regions } from '../plan/helpers';

const plan = planFromAnswers(example('linux-jump.yaml'), { profiles, regions });
const install = plan.steps.find((s) => s.id === 'install') as Step;

function contextWith(output: string, exitCode: number): StepContext {
  const ex = { kind: 'ssh', os: 'linux', label: 'h', run: async () => ({ exitCode, output }), show: (p: string) => p } as unknown as Executor;
  return {
    step: install,
    hostId: 'target0',
    host: 'host 1',
    ex,
    signal: new AbortController().signal,
    secrets: new SecretRegistry(),
    resolver: () => 'AKSKVALUE0123456789abcdef',
    facts: {},
    secret: () => 'x',
    output: () => undefined,
    say: () => undefined,
    echo: () => undefined,
    progress: () => undefined,
    packages: undefined,
    listing: () => Promise.reject(new Error('no')),
    run: { checkOnly: false, overridePreflight: false, mode: 'jump', profileName: 'ICAgent' },
  };
}

async function failure(output: string, exitCode: number): Promise<StepFailure> {
  const err = await runAction(install.action, contextWith(output, exitCode)).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof StepFailure)) throw new Error(`expected a StepFailure, got ${String(err)}`);
  return err;
}

describe('exec failures lead with their cause', () => {
  it("curl's 23 is a write failure on the target, said first", async () => {
    const f = await failure('  % Total\ncurl: (23) Failure writing output to destination\nbash: line 1: apm_agent_install.sh: No such file or directory\n', 23);
    expect(f.code).toBe('write_failed');
    expect(f.message).toMatch(/^Install Huawei Cloud LTS ICAgent on the target failed on host 1: curl: \(23\) Failure writing output to destination \(the output says/);
    expect(f.hint).toMatch(/free space/);
  });

  it('a network error through the jump server names the tunnel', async () => {
    const f = await failure('curl: (7) Failed to connect to 192.168.0.10 port 80: Connection refused\n', 7);
    expect(f.code).toBe('download_failed');
    expect(f.message).toContain('curl: (7) Failed to connect');
    expect(f.hint).toMatch(/check-tunnel/);
  });

  it("Outpost's own OUTPOST_FAIL line is the cause when there is one", async () => {
    const f = await failure('checking\nOUTPOST_FAIL the downloaded installer does not have the expected SHA-256\n', 1);
    expect(f.message).toContain('failed on host 1: the downloaded installer does not have the expected SHA-256 (');
  });

  it('without a known cause: why it was judged failed, then the last lines', async () => {
    const f = await failure('step one\nstep two\n', 3);
    expect(f.code).toBe('install_failed');
    expect(f.message).toMatch(/failed on host 1: its success message \(ICAgent install success \/ Install ICAgent success\) did not appear\. Last output: step one \| step two$/);
  });
});
