// Where a profile's installer comes from (its OS section's `download`). In jump mode the targets reach it
// through the jump server's port, over plain HTTP: nothing authenticates it there. So, unless the answers
// give its SHA-256 (each target checks it) or choose the tunnel, this computer fetches it over HTTPS —
// the certificate checked — and the profile's `upload: { fetched: true }` step sends it to each target
// over SSH. Direct and vpcep targets download it over HTTPS themselves unless the answers say `local`.
// The offline package (answers.package) replaces all of this.
import type { Mode, Step } from '../../common/api/plan';
import type { Answers } from './answers';
import { step } from './step';

/** The run facts the fetch step publishes (`installer.path`, `installer.sha256`) and the upload reads. */
export const FETCH_FACT = 'installer';
/** An installer larger than this is refused (the ICAgent script is a few KB). */
export const FETCH_MAX_BYTES = 64 * 1024 * 1024;
export const FETCH_TIMEOUT_SEC = 120;

/**
 * Whether this computer fetches the installer: options.download, or by default in jump mode without a
 * SHA-256 when the profile can install a fetched file (an `upload: { fetched: true }` step).
 */
export function fetchesLocally(answers: Answers, hasDownload: boolean, canInstallFetched: boolean): boolean {
  if (!hasDownload || answers.package) return false;
  const chosen = answers.options?.download;
  if (chosen) return chosen === 'local';
  return canInstallFetched && answers.connectivity.mode === 'jump' && !answers.options?.downloadSha256;
}

/** The installer's HTTPS address: the answers' mirror (options.downloadBase) or the profile's direct base, then its path. */
export function directUrl(answers: Answers, directBase: string, urlPath: string): string {
  return `${(answers.options?.downloadBase ?? directBase).replace(/\/+$/, '')}${urlPath}`;
}

/** What to do when this computer cannot fetch it: the two other ways, for the mode. */
function fetchHint(mode: Mode): string {
  const other =
    mode === 'jump'
      ? "give the installer's SHA-256 as options.downloadSha256 (each target then downloads it through the jump server and checks it before it runs; options.download: tunnel)"
      : 'remove options.download: local (each target then downloads it over HTTPS itself)';
  return `Where this computer cannot fetch it (no internet, a proxy Outpost does not use), either ${other}, or install offline from the agent package (package.path).`;
}

/** The step on this computer: fetch the installer over HTTPS into the private cache. */
export function fetchStep(url: string, file: string, sha256: string, mode: Mode): Step {
  return step({
    id: 'fetch-installer',
    on: 'local',
    phase: 'transfer',
    title: `Fetch the installer on this computer over HTTPS (${url})`,
    titleKey: 'plan.step.fetchInstaller',
    params: { url },
    action: { kind: 'fetch', url, file, sha256: sha256 || null, maxBytes: FETCH_MAX_BYTES, timeoutSec: FETCH_TIMEOUT_SEC, fact: FETCH_FACT, hint: fetchHint(mode) },
    description:
      "Outpost downloads the installer here, over HTTPS with the server's certificate checked (redirects only to https), into its private cache, and sends it to each target over SSH (SHA-256 checked there): nothing on the way to the targets can swap it. The targets then run that copy.",
  });
}
