import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfiles, parseConsoleCommand, type Profile } from '../../../electron/core/profiles';
import { planFromAnswers, type Answers } from '../../../electron/core/plan';
import { AK, HUAWEI_COMMAND, INSTALL_PART, PROJECT, RESOURCES, SK } from './helpers';
import { example, profiles, regions } from '../plan/helpers';

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

// Issue 22: the console's Windows command is not published, so a pasted one runs as the console wrote it
// (its keys moved to stdin); Outpost's own install.bat line is only the fallback, marked inferred.
describe('the pasted Windows console command runs verbatim', () => {
  const PASTED = `ICProbeAgent\\bin\\manual\\win\\install.bat -region af-south-1 -projectid ${PROJECT} -ak ${AK} -sk ${SK} -accessip 100.125.4.25 -obsdomain obs.af-south-1.myhuaweicloud.com -newflag 7`;
  const build = (inputs: Record<string, unknown>) =>
    planFromAnswers({ ...example('windows-direct.yaml'), inputs: { ak: { env: 'OUTPOST_AK' }, sk: { env: 'OUTPOST_SK' }, projectId: PROJECT, ...inputs } } as Answers, { profiles, regions });

  it('keeps the program and every word in order, each key replaced by its placeholder', () => {
    const r = parseConsoleCommand(icagent, 'windows', PASTED);
    expect(r.problems).toEqual([]);
    expect(r.secrets).toEqual({ ak: AK, sk: SK });
    expect(r.inputs.pastedCommand).toEqual(['ICProbeAgent\\bin\\manual\\win\\install.bat', '-region', 'af-south-1', '-projectid', PROJECT, '-ak', '{secret:ak}', '-sk', '{secret:sk}', '-accessip', '100.125.4.25', '-obsdomain', 'obs.af-south-1.myhuaweicloud.com', '-newflag', '7']);
    expect(JSON.stringify(r.inputs)).not.toMatch(new RegExp(`${AK}|${SK}`));
  });

  it("a bare install.bat is the package's own (the seed runs the command in the unpacked folder)", () => {
    const r = parseConsoleCommand(icagent, 'windows', PASTED.replace('ICProbeAgent\\bin\\manual\\win\\install.bat', 'install.bat'));
    expect((r.inputs.pastedCommand as string[])[0]).toBe('ICProbeAgent\\bin\\manual\\win\\install.bat');
  });

  it("refuses a command holding Outpost's own placeholder form", () => {
    const r = parseConsoleCommand(icagent, 'windows', `${PASTED} -x {secret:ak}`);
    expect(r.problems.join('\n')).toMatch(/\{secret:NAME\}/);
    expect(r.inputs.pastedCommand).toBeUndefined();
  });

  it('the plan runs the pasted words with the keys as secrets; without a paste, the inferred line', () => {
    const pasted = parseConsoleCommand(icagent, 'windows', PASTED).inputs.pastedCommand;
    const plan = build({ pastedCommand: pasted });
    expect(plan.steps.map((s) => s.id)).toContain('install-pasted');
    expect(plan.steps.map((s) => s.id)).not.toContain('install');
    const s = plan.steps.find((x) => x.id === 'install-pasted');
    expect(s?.inferred).toBeUndefined();
    const exec = s?.action.kind === 'exec' ? s.action.command : [];
    const words = exec.map((p) => (typeof p === 'string' ? p : 'secret' in p ? `<${'env' in p.secret ? p.secret.env : p.secret.stored}>` : 'op' in p ? p.op : '?'));
    expect(words).toEqual(['cd /d', 'C:\\ICAgent', '&&', 'ICProbeAgent\\bin\\manual\\win\\install.bat', '-region', 'af-south-1', '-projectid', PROJECT, '-ak', '<OUTPOST_AK>', '-sk', '<OUTPOST_SK>', '-accessip', '100.125.4.25', '-obsdomain', 'obs.af-south-1.myhuaweicloud.com', '-newflag', '7']);
    const fallback = build({}).steps.find((x) => x.id === 'install');
    expect(fallback?.inferred).toBe(true);
    expect(build({}).steps.map((x) => x.id)).not.toContain('install-pasted');
  });
});
