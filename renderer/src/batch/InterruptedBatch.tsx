// On opening: the last batch did not finish (Outpost or the machine died), or ended with hosts not
// done in an earlier session (this session's batches showed their own "Retry failed")? Offer to run
// the hosts its journal does not record as done (as `outpost batch --resume`). When their passwords
// are no longer in the secure store, the core says so and what to do.
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RequestOutput } from '../../../electron/common/api';
import { api } from '../api/client';
import { Callout } from '../wizard/fields';
import { useWizard } from '../wizard/store';

export function InterruptedBatch() {
  const { t, i18n } = useTranslation();
  const phase = useWizard((s) => s.phase);
  const resumeBatch = useWizard((s) => s.resumeBatch);
  const [offer, setOffer] = useState<RequestOutput<'batch.interrupted'>>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    api.request('batch.interrupted', {}).then(
      (o) => live && setOffer(o),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, []);
  if (!offer || phase !== 'wizard') return null;
  const at = new Date(offer.startedAt);
  const when = Number.isNaN(at.getTime()) ? offer.startedAt : at.toLocaleString(i18n.language);
  return (
    <div className="interrupted-batch" data-testid="interrupted-batch">
      <Callout kind="warn" title={offer.killed ? t('batch.interrupted.title') : t('batch.interrupted.titleEnded')}>
        <p>
          {t('batch.interrupted.body', { left: offer.left, total: offer.total, at: when })} {offer.killed ? t('batch.interrupted.killed') : null}
        </p>
        {error ? (
          <p className="error" role="alert" data-testid="interrupted-batch-error">
            {error}
          </p>
        ) : null}
        <div className="actions-row">
          <button
            type="button"
            className="primary"
            disabled={busy}
            data-testid="resume-batch"
            onClick={() => {
              setBusy(true);
              void resumeBatch(offer.runId, offer.targets).then((err) => {
                setBusy(false);
                if (err) setError(err);
                else setOffer(null);
              });
            }}
          >
            {offer.killed ? t('batch.interrupted.resume', { left: offer.left, total: offer.total }) : t('batch.interrupted.retry', { left: offer.left, total: offer.total })}
          </button>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            data-testid="forget-batch"
            onClick={() => {
              void api.request('batch.forget', { runId: offer.runId }).catch(() => undefined);
              setOffer(null);
            }}
          >
            {t('batch.interrupted.forget')}
          </button>
        </div>
      </Callout>
    </div>
  );
}
