import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CoreContext } from '../../../electron/core/context';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const RESOURCES = path.join(ROOT, 'resources');

/** A service context with its own empty data folder. */
export function tmpContext(): Pick<CoreContext, 'dataDir' | 'resourcesDir' | 'log' | 'secrets'> & { cleanup: () => void } {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-prof-'));
  return { dataDir, resourcesDir: RESOURCES, log: silentLogger, secrets: new SecretRegistry(), cleanup: () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

export const AK = 'HPUAQ7TZKXW3B9LMN2RV';
export const SK = 'q8Zr2Lw5Xy1Vb7Nc4Md9Kp3Tf6Hg0Js8Ae5Ru2Yo';
export const PROJECT = '2a473356cca5487f8373be891bffc1cf';

/** The command as published in Huawei's Terraform tests, with realistic values for the placeholders. */
export const HUAWEI_COMMAND =
  'set +o history; curl https://icagent-cn-north-4.obs.cn-north-4.myhuaweicloud.com/ICAgent_linux/apm_agent_install.sh > apm_agent_install.sh && REGION=cn-north-4 bash apm_agent_install.sh -ak <AK> -sk <SK> -region cn-north-4 -projectid <PROJECT_ID> -accessip 100.125.12.150 -obsdomain obs.cn-north-4.myhuaweicloud.com -accessdomain lts-access.cn-north-4.myhuaweicloud.com; set -o history;'
    .replace('<AK>', AK)
    .replace('<SK>', SK)
    .replace('<PROJECT_ID>', PROJECT);

/** The install part alone (what follows `&&`), as users often copy it. */
export const INSTALL_PART = HUAWEI_COMMAND.slice(HUAWEI_COMMAND.indexOf('REGION='));
