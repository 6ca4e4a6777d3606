// Whether the Installed view is open, and the Installed view's run in the wizard's run view (if the
// current run is one): its result page offers "Retry failed" with the same action and "Back to Installed".
import { create } from 'zustand';
import type { RequestInput } from '../../../electron/common/api';

type HostRef = { profile: string; address: string };

export interface InstalledViewState {
  open: boolean;
  /** The current run, when the Installed view started it: its action and hosts (target<i> is hosts[i]). */
  run: { action: RequestInput<'installed.run'>['action']; hosts: HostRef[]; jump?: string } | null;
  /** Why the last action could not start (shown on the view it was started from). */
  error: string | null;
}

export const useInstalledView = create<InstalledViewState>(() => ({ open: false, run: null, error: null }));
