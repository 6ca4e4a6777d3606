// The region catalog (resources/regions.yaml) and custom regions: an id missing from the catalog is
// accepted when it looks like a region id; its OBS domain is the one the user gives, or derived.
import fs from 'node:fs';
import YAML from 'yaml';
import { z } from 'zod';
import type { RegionInfo } from '../../common/api/plan';
import { OutpostError } from '../errors';
import { checkDomain, checkRegionId } from '../../common/validate';

export type { RegionInfo };

const RegionEntry = z
  .object({
    id: z.string().refine((v) => checkRegionId(v) === null, { message: 'is not a region id' }),
    nameEn: z.string().min(1),
    nameZh: z.string().min(1),
    obsDomain: z.string().refine((v) => checkDomain(v) === null, { message: 'is not a domain' }),
    /** Other names the wizard's region search finds it by (cities, countries, spellings). */
    aliases: z.array(z.string().min(1)).optional(),
  })
  .strict();
const RegionsFile = z.object({ regions: z.array(RegionEntry).min(1) }).strict();

export function parseRegions(text: string, source = 'regions.yaml'): RegionInfo[] {
  const doc = YAML.parseDocument(text, { prettyErrors: false });
  const first = doc.errors[0];
  if (first) throw new OutpostError('regions.invalid', `${source}: not valid YAML: ${first.message.split('\n')[0]}`, 'Reinstall Outpost or fix the file.');
  const r = RegionsFile.safeParse(doc.toJS());
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new OutpostError('regions.invalid', `${source}: ${msg}`, 'Reinstall Outpost or fix the file.');
  }
  return r.data.regions;
}

export function loadRegions(file: string): RegionInfo[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new OutpostError('regions.missing', `The region catalog ${file} cannot be read.`, 'Reinstall Outpost, or set OUTPOST_RESOURCES_DIR.');
  }
  return parseRegions(text, file);
}

export function derivedObsDomain(regionId: string): string {
  return `obs.${regionId}.myhuaweicloud.com`;
}

export interface ResolvedRegion extends RegionInfo {
  listed: boolean;
}

/** The catalog entry, or a custom region (with a warning) when the id is well formed. */
export function resolveRegion(id: string, regions: readonly RegionInfo[], obsDomain?: string): { region: ResolvedRegion; warning?: string } | { problem: string } {
  const known = regions.find((r) => r.id === id);
  if (known) {
    if (obsDomain && obsDomain !== known.obsDomain) {
      return { region: { ...known, obsDomain, listed: true }, warning: `region ${id}: using OBS domain ${obsDomain} from the answers instead of the catalog's ${known.obsDomain}` };
    }
    return { region: { ...known, listed: true } };
  }
  const bad = checkRegionId(id);
  if (bad) return { problem: bad };
  const domain = obsDomain ?? derivedObsDomain(id);
  return {
    region: { id, nameEn: id, nameZh: id, obsDomain: domain, listed: false },
    warning: `region ${id} is not in the catalog; using OBS domain ${domain}${obsDomain ? '' : ' (set obsDomain in the answers if it differs)'}`,
  };
}
