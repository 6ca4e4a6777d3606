import type { CoreContext } from '../../context';
import { OutpostError } from '../../errors';
import { secretHint } from '../../secrets/store';
import type { Handlers } from '../dispatcher';

export function secretsHandlers(ctx: CoreContext): Pick<Handlers, 'secrets.set' | 'secrets.list' | 'secrets.forget'> {
  const store = () => {
    if (!ctx.secretStore) throw new OutpostError('secrets_unavailable', 'No secure storage is available here.', 'Pass secrets as environment variables ({ env: NAME }).');
    return ctx.secretStore;
  };
  return {
    'secrets.set': ({ key, value, reveal }) => {
      const hint = secretHint(value, reveal);
      ctx.secrets.add(value);
      store().set(key, value, hint);
      return { key, hint };
    },
    'secrets.list': () => {
      const s = ctx.secretStore;
      if (!s) return { storage: 'memory' as const, secrets: [] };
      return {
        storage: s.kind,
        ...(s.warning ? { warning: s.warning } : {}),
        secrets: s.keys().map((key) => ({ key, hint: s.hint(key) ?? '••••••••' })),
      };
    },
    'secrets.forget': ({ key }) => {
      store().delete(key);
      return null;
    },
  };
}
