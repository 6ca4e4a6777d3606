// The region search: what a person types ("Hong Kong", "hongkong", "香港", a city, a country, with or
// without accents) finds the region, whatever the catalog's own spelling (resources/regions.yaml aliases).

/** Lower case, without accents, spaces, dashes, dots or underscores ("São Paulo" → "saopaulo"). */
export const squash = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[\s\-_.·']+/g, '');

/** The regions a search finds: by id, either name or an alias (a city, a country, another spelling). */
export function searchRegions<R extends { id: string; nameEn: string; nameZh: string; aliases?: string[] | undefined }>(regions: readonly R[], query: string): R[] {
  const q = squash(query);
  return regions.filter((r) => !q || [r.id, r.nameEn, r.nameZh, ...(r.aliases ?? [])].some((x) => squash(x).includes(q)));
}
