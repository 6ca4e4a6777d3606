import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAnswersFile, loadRegions, type Answers } from '../../../electron/core/plan';
import { loadProfiles } from '../../../electron/core/profiles';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const RESOURCES = path.join(ROOT, 'resources');
export const EXAMPLES = path.join(RESOURCES, 'examples');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures');
/** The lines of the LTS user guide (lts_02_0828) the tests check, copied verbatim from the seed. */
export const SEED = path.join(FIXTURES, 'seeds', 'lts_02_0828-excerpt.txt');

export const profiles = loadProfiles(path.join(RESOURCES, 'profiles')).profiles.map((l) => l.profile);
export const regions = loadRegions(path.join(RESOURCES, 'regions.yaml'));
export const icagent = (() => {
  const p = profiles.find((x) => x.id === 'icagent');
  if (!p) throw new Error('icagent profile missing');
  return p;
})();

export function example(name: string): Answers {
  const r = loadAnswersFile(path.join(EXAMPLES, name));
  if (!r.ok) throw new Error(`${name}: ${JSON.stringify(r.problems)}`);
  return r.answers;
}

export const EXAMPLE_FILES = ['linux-jump.yaml', 'linux-vpcep.yaml', 'linux-direct.yaml', 'windows-jump.yaml', 'windows-vpcep.yaml', 'windows-direct.yaml'];
