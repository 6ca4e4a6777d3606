// Step 2: the cloud region, picked from the catalog (searchable) or entered by id ("other").
import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { StepHeader, TextField, useFieldError } from '../fields';
import { useWizard } from '../store';
import { searchRegions } from '../region-search';

export function RegionStep() {
  const { t, i18n } = useTranslation();
  const regions = useWizard((s) => s.catalog.regions);
  const region = useWizard((s) => s.form.region);
  const setRegion = useWizard((s) => s.setRegion);
  const touch = useWizard((s) => s.touch);
  const err = useFieldError('region');
  const zh = i18n.language.startsWith('zh');
  // "Hong Kong", "Hongkong", "hong-kong", "香港", a city ("beijing", "上海") or an id all find their region: spaces and dashes do not count.
  const shown = useMemo(() => searchRegions(regions, region.query), [regions, region.query]);
  const listError = !region.other ? err('region') : null;
  return (
    <section className="step">
      <StepHeader title={t('region.title')} lead={t('region.lead')} />
      <div className="field w-m">
        <label htmlFor="region-search">{t('region.search')}</label>
        <input
          id="region-search"
          type="search"
          value={region.query}
          placeholder={t('region.searchPlaceholder')}
          onChange={(e) => setRegion({ query: e.target.value })}
          aria-controls="region-list"
        />
      </div>
      <fieldset className="region-list" id="region-list" aria-describedby="region-err">
        <legend className="sr-only">{t('region.title')}</legend>
        <div className="region-scroll" role="presentation">
          {shown.map((r) => (
            <label key={r.id} htmlFor={`region-${r.id}`} className={`region-row${!region.other && region.id === r.id ? ' selected' : ''}`}>
              <input
                type="radio"
                id={`region-${r.id}`}
                name="region"
                value={r.id}
                checked={!region.other && region.id === r.id}
                onChange={() => {
                  setRegion({ id: r.id, other: false });
                  touch('region');
                }}
              />
              <span className="region-name">{zh ? r.nameZh : r.nameEn}</span>
              <span className="region-alt">{zh ? r.nameEn : r.nameZh}</span>
              <code className="region-id">{r.id}</code>
            </label>
          ))}
          {shown.length === 0 ? <p className="empty">{t('region.none', { query: region.query })}</p> : null}
        </div>
        <label htmlFor="region-other" className={`region-row other${region.other ? ' selected' : ''}`}>
          <input type="radio" id="region-other" name="region" value="__other" checked={region.other} onChange={() => setRegion({ other: true })} />
          <span className="region-name">{t('region.other')}</span>
          <span className="region-alt">{t('region.otherDesc')}</span>
        </label>
      </fieldset>
      <div className="error" id="region-err" role={listError ? 'alert' : undefined} data-testid="err-region-list">
        {listError ?? ''}
      </div>
      {region.other ? (
        <div className="row">
          <TextField path="region" label={t('region.otherId')} value={region.otherId} onChange={(v) => setRegion({ otherId: v })} error={err('region')} placeholder="cn-north-4" mono width="m" />
          <TextField
            path="obsDomain"
            label={t('region.obsDomain')}
            optional
            value={region.obsDomain}
            onChange={(v) => setRegion({ obsDomain: v })}
            error={err('obsDomain')}
            placeholder={region.otherId ? `obs.${region.otherId}.myhuaweicloud.com` : 'obs.{region}.myhuaweicloud.com'}
            hint={t('region.obsHint')}
            mono
            width="l"
          />
        </div>
      ) : null}
    </section>
  );
}
