// The inherited installation's pure parts: the iplist.cfg writer (round-trips through the host list
// parser), the checks a list must pass to be written, the installer's output parser (the vendor's own
// example output), the PTY prompt answerer, the profile section's schema and `--inherit-from`.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInheritFrom } from '../../../electron/cli/commands/batch';
import { parseHostList } from '../../../electron/common/hosts';
import { iplistPasswordOk, iplistProblems, iplistText, parseInstallerOutput, PromptResponder } from '../../../electron/core/plan/iplist';
import { parseProfile } from '../../../electron/core/profiles';
import { RESOURCES } from '../profiles/helpers';

const icagentText = fs.readFileSync(path.join(RESOURCES, 'profiles', 'icagent.yaml'), 'utf8');
const icagent = (() => {
  const r = parseProfile(icagentText, 'icagent.yaml');
  if ('problems' in r) throw new Error(r.problems.join('\n'));
  return r.profile;
})();
const inh = icagent.inherited!;
const res = { hostDone: new RegExp(inh.hostDone), singleDone: new RegExp(inh.singleDone!), finished: new RegExp(inh.finished!) };

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => o.join('.'));
/** Printable passwords: anything but whitespace and control characters (what iplist.cfg can carry). */
const password = fc.oneof(fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }), fc.string({ unit: 'binary', minLength: 1, maxLength: 40 })).filter(iplistPasswordOk);

describe('iplist.cfg writer', () => {
  it('writes `IP password` / `IP` lines with a trailing newline', () => {
    expect(iplistText([{ ip: '192.168.0.109', password: 'Pa$$#w' }, { ip: '192.168.0.39' }])).toBe('192.168.0.109 Pa$$#w\n192.168.0.39\n');
  });

  it('any list of IPs and passwords round-trips through parseHostList (iplist format)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.record({ ip: ipv4, password: fc.option(password, { nil: undefined }) }), { selector: (l) => l.ip, minLength: 1, maxLength: 30 }), (lines) => {
        const text = iplistText(lines);
        expect(text.endsWith('\n')).toBe(true);
        const r = parseHostList(text, { format: 'iplist', defaults: { user: 'root', port: 22 } });
        expect(r.problems).toEqual([]);
        expect(r.hosts.map((h) => ({ ip: h.host, password: h.password }))).toEqual(lines.map((l) => ({ ip: l.ip, password: l.password })));
        expect(iplistProblems(r.hosts)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a password it cannot carry (space, tab, newline, control character), never quoting it', () => {
    for (const bad of ['two words', 'tab\there', 'new\nline', 'cr\rx', 'nul\u0000x', 'ls\u2028x', '']) {
      expect(iplistPasswordOk(bad)).toBe(false);
      expect(() => iplistText([{ ip: '10.0.0.1', password: bad }])).toThrow(/cannot be written/);
    }
    const csv = parseHostList('host,port,user,password\n10.0.0.1,22,root,"two words"\n', { defaults: { user: 'root', port: 22 } });
    const p = iplistProblems(csv.hosts);
    expect(p).toEqual([{ line: 2, message: 'has a password with a space or control character, which iplist.cfg cannot carry' }]);
    expect(JSON.stringify(p)).not.toContain('two words');
  });

  it('refuses what the vendor script cannot do: hostnames, other ports or users, keys, jump servers', () => {
    const csv = parseHostList('host,port,user,password,privateKey,jump\nweb1,22,root,pw,,\n10.0.0.2,2222,root,pw,,\n10.0.0.3,22,admin,pw,,\n10.0.0.4,22,root,,~/.ssh/id,\n10.0.0.5,22,root,pw,,0\n', {
      defaults: { user: 'root', port: 22 },
    });
    expect(csv.problems).toEqual([]);
    expect(iplistProblems(csv.hosts).map((p) => `${p.line}: ${p.message}`)).toEqual([
      "2: web1 is not an IP address: the vendor's iplist.cfg takes IP addresses",
      "3: gives port 2222: the vendor's script logs in on port 22 itself",
      "4: gives user admin: the vendor's script logs in as root itself",
      "5: gives a private key: the vendor's script logs in with a password",
      '6: names a jump server: the hosts are reached from the host that has the agent, in its subnet',
    ]);
  });
});

describe("the installer's output", () => {
  // The vendor's example output (LTS user guide, Batch Inherited Installation), as a PTY delivers it.
  const VENDOR = [
    'batch install begin',
    'Please input default passwd:',
    'send cmd to 192.168.0.109',
    'send cmd to 192.168.0.39',
    '2 tasks running, please wait...',
    '2 tasks running, please wait...',
    '2 tasks running, please wait...',
    'End of install agent: 192.168.0.39',
    'End of install agent: 192.168.0.109',
    'All hosts install icagent finish.',
  ].join('\r\n');

  it("confirms the hosts it printed an End line for, and sees its last line", () => {
    const r = parseInstallerOutput(`${VENDOR}\r\n`, res);
    expect([...r.confirmed].sort()).toEqual(['192.168.0.109', '192.168.0.39']);
    expect(r.finishedLine).toBe('All hosts install icagent finish.');
  });

  it('a host without its End line is not confirmed, even though the last line says "finish"', () => {
    const out = VENDOR.replace('End of install agent: 192.168.0.39\r\n', '');
    expect([...parseInstallerOutput(out, res).confirmed]).toEqual(['192.168.0.109']);
    // A prefix of another address is not that address; escape sequences and redraws are ignored.
    expect([...parseInstallerOutput('\x1b[32mEnd of install agent: 10.0.0.10\x1b[0m\r\nxx\rEnd of install agent: 10.0.0.2\r\n', res).confirmed].sort()).toEqual(['10.0.0.10', '10.0.0.2']);
    expect(parseInstallerOutput('End of install agent: 10.0.0.10', res).confirmed.has('10.0.0.1')).toBe(false);
    expect(parseInstallerOutput('nothing', res).finishedLine).toBeNull();
  });

  it('the one-host form is confirmed by its success line', () => {
    expect([...parseInstallerOutput('root@10.0.0.7 password:\r\nICAgent install success\r\n', res, '10.0.0.7').confirmed]).toEqual(['10.0.0.7']);
    expect(parseInstallerOutput('Permission denied\r\n', res, '10.0.0.7').confirmed.size).toBe(0);
  });
});

describe('PromptResponder', () => {
  it('answers the default-password question once, when it is the line being written', () => {
    const r = new PromptResponder([{ re: new RegExp(inh.promptDefaultPassword), answer: () => 'dflt', max: 1 }]);
    expect(r.push('batch install begin\r\nPlease input ')).toEqual([]);
    expect(r.push('default passwd:')).toEqual(['dflt\r']);
    expect(r.push('\r\nsend cmd to 1.2.3.4\r\nPlease input default passwd:')).toEqual([]);
    expect(r.answered()).toEqual([1]);
  });

  it("answers the one-host form's password question each time it is asked, up to its limit", () => {
    const r = new PromptResponder([{ re: new RegExp(inh.promptPassword!), answer: () => 'pw', max: 2 }]);
    expect(r.push("root@10.0.0.7's password: ")).toEqual(['pw\r']);
    expect(r.push("\r\nPermission denied, please try again.\r\nroot@10.0.0.7's password: ")).toEqual(['pw\r']);
    expect(r.push("\r\nroot@10.0.0.7's password: ")).toEqual([]);
  });
});

describe('the profile section', () => {
  it("ICAgent's shipped profile describes the vendor's script", () => {
    expect(inh).toMatchObject({ script: '/opt/oss/servicemgr/ICAgent/bin/remoteInstall/remote_install.sh', batchFlag: '-batchModeConfig', listPath: '/opt/ICAgent/iplist.cfg', ipFlag: '-ip', timeoutSec: 1800 });
  });

  it('is strict: unknown fields, a hostDone without its ip group, bad patterns and relative paths are problems', () => {
    const withInh = (block: string) => icagentText.replace(/\ninherited:\n[\s\S]*$/, `\ninherited:\n${block}`);
    const problems = (block: string) => {
      const r = parseProfile(withInh(block), 'icagent.yaml');
      return 'problems' in r ? r.problems.join('\n') : '';
    };
    const base = "  script: /opt/x/remote_install.sh\n  batchFlag: -batchModeConfig\n  listPath: /opt/ICAgent/iplist.cfg\n  promptDefaultPassword: 'passwd:'\n";
    expect(problems(`${base}  hostDone: 'End: (?<ip>\\S+)'\n`)).toBe('');
    expect(problems(`${base}  hostDone: 'End: (?<ip>\\S+)'\n  extra: 1\n`)).toMatch(/inherited/);
    expect(problems(`${base}  hostDone: 'End: (\\S+)'\n`)).toMatch(/named group/);
    expect(problems(`${base}  hostDone: 'End: (?<ip>\\S+'\n`)).toMatch(/regular expression/);
    expect(problems(`${base.replace('/opt/x/', 'opt/x/')}  hostDone: 'End: (?<ip>\\S+)'\n`)).toMatch(/absolute path/);
    expect(problems(`${base}  hostDone: 'End: (?<ip>\\S+)'\n  ipFlag: -ip\n`)).toMatch(/promptPassword and singleDone/);
  });
});

describe('--inherit-from', () => {
  it('reads user@host[:port]', () => {
    expect(parseInheritFrom('root@10.0.0.5')).toEqual({ user: 'root', host: '10.0.0.5', port: 22 });
    expect(parseInheritFrom('ops@seed.example:2222')).toEqual({ user: 'ops', host: 'seed.example', port: 2222 });
    expect(parseInheritFrom('root@[fd00::5]:22')).toEqual({ user: 'root', host: 'fd00::5', port: 22 });
    for (const bad of ['10.0.0.5', 'root@', 'root@10.0.0.5:0', 'root@10.0.0.5:70000', 'a b@h', 'root@h;rm']) expect(parseInheritFrom(bad)).toBeNull();
  });
});
