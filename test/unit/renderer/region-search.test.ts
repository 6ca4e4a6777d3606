// The region search finds a region by id, either name, or an alias of the catalog (a city, a country,
// another spelling or language), ignoring case, accents, spaces and dashes.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRegions } from '../../../electron/core/plan';
import { searchRegions } from '../../../renderer/src/wizard/region-search';

const regions = loadRegions(path.resolve(import.meta.dirname, '..', '..', '..', 'resources', 'regions.yaml'));
const ids = (q: string) => searchRegions(regions, q).map((r) => r.id);

describe('searchRegions', () => {
  it.each(['Hong Kong', 'hongkong', 'HONG-KONG', '香港', 'HK'])('%s finds ap-southeast-1', (q) => {
    expect(ids(q)).toEqual(['ap-southeast-1']);
  });

  it('finds cities and countries in English, French and Chinese, with or without accents', () => {
    expect(ids('Beijing')).toEqual(['cn-north-1', 'cn-north-2', 'cn-north-4']);
    expect(ids('Pékin')).toEqual(ids('pekin'));
    expect(ids('北京')).toContain('cn-north-4');
    expect(ids('São Paulo')).toEqual(['sa-brazil-1']);
    expect(ids('sao paulo')).toEqual(['sa-brazil-1']);
    expect(ids('Singapour')).toEqual(['ap-southeast-3']);
    expect(ids('Le Caire')).toEqual(['af-north-1']);
    expect(ids('Wulanchabu')).toEqual(['cn-north-9']);
    expect(ids('eu-west-0')).toEqual(['eu-west-0']);
    expect(ids('')).toHaveLength(regions.length);
    expect(ids('Atlantis')).toEqual([]);
  });
});
