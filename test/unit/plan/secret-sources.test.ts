// Where each **** comes from: a step names its secrets' sources (Review page, `outpost plan`), and
// answers that read secrets from variables outside the documented prefix plan with a warning.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatPlan } from '../../../electron/cli/commands/plan';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { example, RESOURCES } from './helpers';

const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-src-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });

describe('secret sources', () => {
  it('the install step says which input each **** is and where its value comes from', () => {
    const answers = example('linux-direct.yaml');
    const plan = service.plan({ ...answers, inputs: { ...answers.inputs, ak: { env: 'OUTPOST_AK' }, sk: { stored: 'icagent.sk' } } });
    const install = plan.steps.find((s) => s.id === 'install');
    expect(install?.display).toContain('-ak **** -sk ****');
    expect(install?.secrets).toEqual([
      { name: 'inputs.ak', from: '$OUTPOST_AK' },
      { name: 'inputs.sk', from: 'stored "icagent.sk"' },
    ]);
    expect(plan.steps.find((s) => s.id === 'verify')?.secrets).toBeUndefined();
    expect(formatPlan(plan)).toContain('**** = inputs.ak from $OUTPOST_AK; **** = inputs.sk from stored "icagent.sk"');
    expect(plan.warnings.join('\n')).not.toMatch(/outside the OUTPOST_ prefix/);
  });

  it('warns when answers read a secret from a variable outside the OUTPOST_ prefix', () => {
    const answers = example('linux-direct.yaml');
    const plan = service.plan({ ...answers, inputs: { ...answers.inputs, sk: { env: 'GITHUB_TOKEN' } } });
    expect(plan.warnings).toContain('these answers read secrets from $GITHUB_TOKEN, outside the OUTPOST_ prefix: check that the file is yours and that those variables hold what it says');
  });
});
