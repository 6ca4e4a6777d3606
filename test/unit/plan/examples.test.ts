// Every answers example shipped in resources/examples plans without error, through the service.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAnswersFile } from '../../../electron/core/plan';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { EXAMPLE_FILES, EXAMPLES, RESOURCES } from './helpers';

const files = fs.readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f)).sort();
const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-ex-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });

describe('resources/examples', () => {
  it('are the six ICAgent cases and the other profiles\' own', () => {
    expect(files).toEqual([...EXAMPLE_FILES, 'aops-agent.yaml', 'cloudpods-telegraf.yaml', 'cloudpods-telegraf-direct.yaml', 'nova-agent-linux.yaml', 'nova-agent-windows.yaml', 'tetra-relay.yaml'].sort());
  });
  for (const file of files) {
    it(`${file} uses the v2 answers shape and plans without error`, () => {
      const text = fs.readFileSync(path.join(EXAMPLES, file), 'utf8');
      expect(text).toMatch(/^inputs:$/m);
      expect(text).not.toMatch(/^credentials:/m);
      const r = loadAnswersFile(path.join(EXAMPLES, file));
      if (!r.ok) throw new Error(JSON.stringify(r.problems));
      const plan = service.plan(r.answers);
      expect(plan.version).toBe(2);
      expect(plan.steps.some((s) => s.id === 'install')).toBe(true);
    });
  }
});
