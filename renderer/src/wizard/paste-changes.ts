// What a pasted console command changes in the form, said before anything changes: each value it sets,
// the same, new or replacing what was there (the admin's own typing is only replaced when they confirm),
// the secrets it saved, and a warning when the address it gives is the region's own service address.
import { create } from 'zustand';
import type { RequestOutput } from '../../../electron/common/api';
import { inputSecretKey, type InputField, type WizardForm } from './model';
import { fieldFrom } from './from-answers';

export type Imported = RequestOutput<'profiles.importCommand'>;

export interface PasteChange {
  /** What the admin reads: an i18n key (`paste.field.*`) or a profile input (its label in the UI's language). */
  field: { key: string } | { input: string };
  /** The answers field it lands in (`region.id`, `connectivity.connectionIp`, `inputs.projectId`…). */
  path: string;
  kind: 'same' | 'new' | 'changed' | 'saved';
  from?: string;
  to?: string;
  /** The value is the cloud region's internal service address (100.125.0.0/16), which hosts outside the region cannot reach directly. */
  warn?: 'inRegion';
}

/** Huawei Cloud's in-region service addresses (the console's -accessip): reachable inside the region only. */
export function inRegionAddress(ip: string): boolean {
  return /^100\.125\.\d{1,3}\.\d{1,3}$/.test(ip.trim());
}

const ipField = (mode: WizardForm['connectivity']['mode']) => (mode === 'jump' ? 'connectionIp' : mode === 'vpcep' ? 'vpcepAccessIp' : 'directAccessIp');
const ipLabel = (mode: WizardForm['connectivity']['mode']) => (mode === 'jump' ? 'paste.field.connectionIp' : mode === 'vpcep' ? 'paste.field.endpointIp' : 'paste.field.accessIp');

/** The form once the pasted command's values are in (what applyImport sets). */
export function importedForm(f: WizardForm, r: Imported, regionIds: readonly string[]): WizardForm {
  const inputs = { ...f.inputs };
  // Read as an answers file's inputs are; the pasted secrets come back as stored references with their hints.
  const hints = Object.fromEntries(r.secrets.map((x) => [x.stored, x.hint]));
  for (const [name, v] of Object.entries(r.inputs)) {
    const field = fieldFrom(inputSecretKey(f.agent.profile, name), v, hints);
    if (field) inputs[name] = field;
  }
  const c = { ...f.connectivity };
  const ip = r.connectivity.accessIp;
  // The console's -accessip is the address agents reach: the jump server (jump), the endpoint, or the access point.
  if (ip) c[ipField(c.mode)] = ip;
  if (r.connectivity.dc) c.dc = r.connectivity.dc;
  const listed = r.region !== undefined && (regionIds.length === 0 || regionIds.includes(r.region));
  const region = r.region === undefined ? f.region : listed ? { ...f.region, id: r.region, other: false, otherId: '' } : { ...f.region, id: '', other: true, otherId: r.region };
  return { ...f, inputs, connectivity: c, region };
}

const textOf = (x: InputField | undefined): string => (!x ? '' : x.kind === 'text' || x.kind === 'list' ? x.text : x.kind === 'flag' ? (x.on ? 'yes' : '') : '');
const secretSet = (x: InputField | undefined): boolean => x?.kind === 'secret' && Boolean(x.slot.ref || x.slot.hint || x.slot.draft);

function change(field: PasteChange['field'], path: string, from: string, to: string): PasteChange {
  const kind = from === to ? 'same' : from.trim() === '' ? 'new' : 'changed';
  return { field, path, kind, ...(from ? { from } : {}), to };
}

/**
 * Every value the command sets, in the form's order (region, connectivity, inputs), and which of them
 * replace a value that was there (`overwrites`: those the admin is asked about).
 */
export function pasteChanges(before: WizardForm, r: Imported): { changes: PasteChange[]; overwrites: PasteChange[]; secrets: string[] } {
  const changes: PasteChange[] = [];
  if (r.region !== undefined) {
    const was = before.region.other ? before.region.otherId : before.region.id;
    changes.push(change({ key: 'paste.field.region' }, 'region.id', was, r.region));
  }
  const ip = r.connectivity.accessIp;
  if (ip) {
    const field = ipField(before.connectivity.mode);
    const c = change({ key: ipLabel(before.connectivity.mode) }, `connectivity.${field}`, before.connectivity[field], ip);
    // Agents outside the region reach this address only through a jump server's forward, never as the jump server's own address.
    changes.push(inRegionAddress(ip) && before.connectivity.mode === 'jump' ? { ...c, warn: 'inRegion' } : c);
  }
  if (r.connectivity.dc) changes.push(change({ key: 'paste.field.dc' }, 'connectivity.dc', before.connectivity.dc, r.connectivity.dc));
  const secretNames = new Set(r.secrets.map((s) => s.name));
  for (const [name, v] of Object.entries(r.inputs)) {
    if (secretNames.has(name)) continue;
    const to = textOf(fieldFrom(inputSecretKey(before.agent.profile, name), v, {}) ?? undefined);
    changes.push(change({ input: name }, `inputs.${name}`, textOf(before.inputs[name]), to));
  }
  const replaced = r.secrets.filter((s) => secretSet(before.inputs[s.name]));
  const overwrites = changes.filter((c) => c.kind === 'changed');
  // A saved secret replaced is an overwrite too (its value is not shown: only that it is replaced).
  for (const s of replaced) overwrites.push({ field: { input: s.name }, path: `inputs.${s.name}`, kind: 'changed' });
  return { changes, overwrites, secrets: r.secrets.map((s) => s.name) };
}

/** A secret input's short name ("AK" from "Access key ID (AK)"), else its label. */
export function shortLabel(label: string): string {
  return /\(([^()]{1,12})\)\s*$/.exec(label)?.[1] ?? /（([^（）]{1,12})）\s*$/.exec(label)?.[1] ?? label;
}

export interface PasteState {
  /** The last command read, secrets masked, with what it changed (or would change, while asking). */
  last: { masked: string; changes: PasteChange[]; secrets: string[]; applied: boolean } | null;
  /** Read, waiting for the admin to confirm replacing what they typed. */
  pending: { r: Imported; overwrites: PasteChange[] } | null;
  /** An i18n key (ok, cancelled) or the core's own message (error). */
  message: { kind: 'ok' | 'cancelled'; key: string } | { kind: 'error'; text: string } | null;
}

/** Shared by every place the box shows (Agent step, the profile's questions). */
export const usePaste = create<PasteState>()(() => ({ last: null, pending: null, message: null }));

/** Start over forgets the last paste too. */
export function forgetPaste(): void {
  usePaste.setState({ last: null, pending: null, message: null });
}
