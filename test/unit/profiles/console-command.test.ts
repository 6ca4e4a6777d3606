import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfiles, parseConsoleCommand, type Profile } from '../../../electron/core/profiles';
import { AK, HUAWEI_COMMAND, INSTALL_PART, PROJECT, RESOURCES, SK } from './helpers';

const icagent: Profile = (() => {
  const p = loadProfiles(path.join(RESOURCES, 'profiles')).profiles.find((l) => l.profile.id === 'icagent');
  if (!p) throw new Error('icagent profile missing');
  return p.profile;
})();

describe('parseConsoleCommand (ICAgent)', () => {
  const expectParsed = (text: string) => {
    const r = parseConsoleCommand(icagent, 'linux', text);
    expect(r.problems).toEqual([]);
    expect(r.region).toBe('cn-north-4');
    expect(r.accessIp).toBe('100.125.12.150');
    expect(r.secrets).toEqual({ ak: AK, sk: SK });
    expect(r.inputs).toEqual({ projectId: PROJECT, accessDomain: 'lts-access.cn-north-4.myhuaweicloud.com' });
    // No secret is among the non-secret values.
    expect(JSON.stringify({ ...r, secrets: undefined })).not.toMatch(new RegExp(`${AK}|${SK}`));
  };

  // The download segment `curl https://…/apm_agent_install.sh` names the script too: only the segment
  // that runs it is read.
  it("reads the command from Huawei's Terraform tests: region, secrets apart, project, access IP and domain", () => {
    expectParsed(HUAWEI_COMMAND);
  });

  it('reads the install part of that command: region, secrets apart, project, access IP and domain', () => {
    expectParsed(INSTALL_PART);
  });

  it('keeps flags it does not know, in order, for the installer', () => {
    const r = parseConsoleCommand(icagent, 'linux', INSTALL_PART.replace(' -accessdomain', ' -newflag 7 -accessdomain'));
    expect(r.problems).toEqual([]);
    expect(r.inputs.extraArgs).toEqual(['-newflag', '7']);
  });

  it('refuses a command whose download URL is for another region than -region / REGION, saying so', () => {
    const other = HUAWEI_COMMAND.replace('icagent-cn-north-4.obs.cn-north-4', 'icagent-ap-southeast-1.obs.ap-southeast-1');
    expect(parseConsoleCommand(icagent, 'linux', other).problems).toEqual([
      'the script is downloaded for region ap-southeast-1, but the command installs for region cn-north-4: copy the command again from the console of the region you want',
    ]);
  });

  it('refuses a command whose REGION= and -region disagree, saying so', () => {
    const env = parseConsoleCommand(icagent, 'linux', INSTALL_PART.replace('REGION=cn-north-4', 'REGION=cn-south-1'));
    expect(env.problems).toEqual(['-region says region cn-north-4, but the command also says cn-south-1']);
  });

  it('refuses text that is not the ICAgent command', () => {
    for (const text of ['ls -la /tmp', 'curl https://example.com/install.sh | bash -s -- --key abc', 'hello']) {
      const r = parseConsoleCommand(icagent, 'linux', text);
      expect(r.problems).toEqual(["this is not Huawei Cloud LTS ICAgent's linux install command: it does not run apm_agent_install.sh"]);
      expect(r.secrets).toEqual({});
    }
  });

  it('names each required value the command lacks', () => {
    const r = parseConsoleCommand(icagent, 'linux', INSTALL_PART.replace(` -sk ${SK}`, '').replace(` -projectid ${PROJECT}`, ''));
    expect(r.problems).toEqual(['the command has no value for sk (-sk)', 'the command has no value for projectId (-projectid)']);
  });
});
