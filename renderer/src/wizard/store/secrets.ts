// The form's secrets: where each slot lives in the form, typing one (a draft, never kept anywhere but
// memory), saving it to the secure store (the answers then hold only a reference) and forgetting it.
import { api } from '../../api/client';
import { inputField, type SecretSlot, type WizardForm } from '../model';
import { secretDraftProblem } from '../validity';
import { selectProfile } from './selectors';
import { message, type GetState, type SetState, type SlotAddr, type WizardActions } from './types';

export function getSlot(f: WizardForm, addr: SlotAddr): SecretSlot | null {
  if (addr.startsWith('input.')) {
    const name = addr.slice('input.'.length);
    const field = inputField(f, { name, type: 'secret' });
    return field.kind === 'secret' ? field.slot : null;
  }
  if (addr === 'target.single') return f.hosts.single.password;
  if (addr === 'target.default') return f.hosts.listDefaultPassword;
  if (addr === 'seed') return f.hosts.inherit?.seed.password ?? null;
  const [kind, n] = addr.split('.');
  const i = Number(n);
  if (kind === 'jump') return f.connectivity.jumpServers[i]?.ssh.password ?? null;
  if (kind === 'proxy') return f.connectivity.jumpServers[i]?.proxy?.password ?? null;
  if (kind === 'list') return f.hosts.list[i]?.password ?? null;
  return null;
}

export function putSlot(f: WizardForm, addr: SlotAddr, s: SecretSlot): WizardForm {
  if (addr.startsWith('input.')) return { ...f, inputs: { ...f.inputs, [addr.slice('input.'.length)]: { kind: 'secret', slot: s } } };
  if (addr === 'target.single') return { ...f, hosts: { ...f.hosts, single: { ...f.hosts.single, password: s } } };
  if (addr === 'target.default') return { ...f, hosts: { ...f.hosts, listDefaultPassword: s } };
  if (addr === 'seed') return f.hosts.inherit ? { ...f, hosts: { ...f.hosts, inherit: { ...f.hosts.inherit, seed: { ...f.hosts.inherit.seed, password: s } } } } : f;
  const [kind, n] = addr.split('.');
  const i = Number(n);
  if (kind === 'jump') {
    return { ...f, connectivity: { ...f.connectivity, jumpServers: f.connectivity.jumpServers.map((j, k) => (k === i ? { ...j, ssh: { ...j.ssh, password: s } } : j)) } };
  }
  if (kind === 'proxy') {
    return { ...f, connectivity: { ...f.connectivity, jumpServers: f.connectivity.jumpServers.map((j, k) => (k === i && j.proxy ? { ...j, proxy: { ...j.proxy, password: s } } : j)) } };
  }
  return { ...f, hosts: { ...f.hosts, list: f.hosts.list.map((l, k) => (k === i ? { ...l, password: s } : l)) } };
}

function allSlots(f: WizardForm): SlotAddr[] {
  const out: SlotAddr[] = ['target.single', 'target.default', 'seed'];
  for (const [name, field] of Object.entries(f.inputs)) if (field.kind === 'secret') out.push(`input.${name}`);
  f.connectivity.jumpServers.forEach((j, i) => {
    out.push(`jump.${i}`);
    if (j.proxy) out.push(`proxy.${i}`);
  });
  f.hosts.list.forEach((_, i) => out.push(`list.${i}`));
  return out;
}

/** Unique key for a new slot, so removing a row never makes two slots share a stored secret. */
let slotSeq = 0;
export const freshKey = (base: string) => `${base}.${Date.now().toString(36)}${(slotSeq++).toString(36)}`;

/** Saves every typed secret (secrets.set) so the answers only hold references. */
export async function commitAll(get: GetState): Promise<void> {
  for (const addr of allSlots(get().form)) {
    const s = getSlot(get().form, addr);
    if (s?.draft) await get().commitSecret(addr);
  }
}

type SecretActions = Pick<WizardActions, 'setSecretDraft' | 'commitSecret' | 'commitSecrets' | 'forgetSecret'>;

export function secretActions(set: SetState, get: GetState, setForm: (fn: (f: WizardForm) => WizardForm) => void): SecretActions {
  return {
    setSecretDraft(addr, value) {
      setForm((f) => {
        const s = getSlot(f, addr);
        return s ? putSlot(f, addr, { ...s, draft: value }) : f;
      });
    },

    async commitSecrets() {
      await commitAll(get);
    },

    async commitSecret(addr) {
      const s = getSlot(get().form, addr);
      if (!s?.draft) return;
      // Only an input the profile marks as an identifier (an access key ID) may show its last 4 characters.
      const input = addr.startsWith('input.') ? selectProfile(get())?.inputs.find((i) => i.name === addr.slice('input.'.length)) : undefined;
      // A profile's secret is stored trimmed, and only once it has the profile's format (a stored
      // value is never shown again, so it could not be checked later).
      if (input && secretDraftProblem(input, s.draft)) return;
      const typed = s.draft;
      const value = input ? typed.trim() : typed;
      const reveal = input?.reveal ?? 'none';
      try {
        const r = await api.request('secrets.set', { key: s.key, value, reveal });
        setForm((f) => {
          const cur = getSlot(f, addr);
          // Only if the user has not typed something else meanwhile.
          return cur && cur.draft === typed ? putSlot(f, addr, { ...cur, ref: { stored: r.key }, hint: r.hint, draft: '' }) : f;
        });
      } catch (e) {
        set({ notice: message(e) });
      }
    },

    async forgetSecret(addr) {
      const s = getSlot(get().form, addr);
      if (!s) return;
      if (s.ref && 'stored' in s.ref) await api.request('secrets.forget', { key: s.ref.stored }).catch(() => undefined);
      setForm((f) => putSlot(f, addr, { ...s, ref: null, hint: '', draft: '' }));
    },
  };
}
