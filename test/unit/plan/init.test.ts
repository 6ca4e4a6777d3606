// `outpost init`: the commented answers file it prints for every shipped profile, OS and connectivity
// parses, and the only problems `outpost plan` finds in it are the values the user must give (marked).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { initAnswers } from '../../../electron/cli/commands/init';
import { silentLogger } from '../../../electron/core/log/logger';
import { PlanError } from '../../../electron/core/plan';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import { OutpostService } from '../../../electron/core/service';
import { RESOURCES } from './helpers';

const service = new OutpostService({ dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-init-')), resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry() });

describe('outpost init', () => {
  for (const p of service.profileSummaries().profiles) {
    for (const osName of p.os) {
      for (const mode of p.connectivity) {
        it(`${p.id} ${osName} ${mode}: plans once the marked values are given`, () => {
          const text = initAnswers(p, osName, mode);
          const a = YAML.parse(text) as { inputs?: Record<string, unknown> };
          const required = p.inputs.filter((i) => i.required && i.type !== 'secret' && (!i.os || i.os.includes(osName)));
          for (const i of required) expect(text).toMatch(new RegExp(`^  ${i.name}: .*\\(CHANGE\\)$`, 'm'));
          let problems: string[] = [];
          try {
            service.plan(a);
          } catch (err) {
            if (!(err instanceof PlanError)) throw err;
            problems = err.problems.map((x) => x.path);
          }
          expect(problems.sort()).toEqual(required.map((i) => `inputs.${i.name}`).sort());
          for (const i of p.inputs.filter((x) => x.type === 'secret' && (!x.os || x.os.includes(osName)))) expect(text).toMatch(new RegExp(`${i.name}: \\{ env: OUTPOST_[A-Z_]+ \\}`));
        });
      }
    }
  }
});
