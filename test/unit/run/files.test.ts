// File actions: the INI editor changes only the keys it sets (the seed's aops-agent agent.conf, with its
// comments), and the bash scripts write, read back and replace files for real.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { editIniText, parseReadOutput, readFileScript, replaceFileScript, writeFileScript } from '../../../electron/core/run/files';

const bash = (script: string) => execFileSync('bash', ['-s'], { input: script, encoding: 'utf8' });
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'outpost-files-'));

const AGENT_CONF = `# the agent's own settings
[agent]
; address the manager reaches this host at
ip=127.0.0.1
port = 12000

[gopher]
# gala-gopher plug-in
ip=127.0.0.1
`;

describe('editIniText', () => {
  it('changes only the values it sets, keeping comments, spacing around =, other sections and keys', () => {
    const r = editIniText(AGENT_CONF, [
      { section: 'agent', key: 'ip', value: '192.168.0.5' },
      { section: 'agent', key: 'port', value: '12000' },
    ]);
    expect(r.changes).toEqual([{ section: 'agent', key: 'ip', from: '127.0.0.1', to: '192.168.0.5' }]);
    expect(r.text).toBe(AGENT_CONF.replace('ip=127.0.0.1\nport', 'ip=192.168.0.5\nport'));
  });

  it('adds a missing key after its section, a missing section at the end, and keeps CRLF files CRLF', () => {
    const r = editIniText(AGENT_CONF, [
      { section: 'agent', key: 'log_level', value: 'info' },
      { section: 'limits', key: 'MemoryHigh', value: '200M' },
    ]);
    expect(r.text).toContain('port = 12000\nlog_level=info\n\n[gopher]');
    expect(r.text.endsWith('ip=127.0.0.1\n\n[limits]\nMemoryHigh=200M\n')).toBe(true);
    const crlf = editIniText(AGENT_CONF.replace(/\n/g, '\r\n'), [{ section: 'agent', key: 'ip', value: '10.0.0.1' }]);
    expect(crlf.text).toBe(AGENT_CONF.replace('ip=127.0.0.1\nport', 'ip=10.0.0.1\nport').replace(/\n/g, '\r\n'));
    expect(editIniText('', [{ section: 'a', key: 'k', value: 'v' }]).text).toBe('[a]\nk=v\n');
  });
});

describe('file scripts (real bash)', () => {
  it('writes content with the mode, atomically, creating the folder; reads it back', () => {
    const dir = tmp();
    const file = path.join(dir, 'sub dir', "it's.json");
    const content = '{"web_password": "p@ss \'word\' $HOME `id`"}\n';
    const out = bash(writeFileScript(file, content, 0o600));
    expect(out).toContain('wrote');
    expect(out).not.toContain('p@ss');
    expect(fs.readFileSync(file, 'utf8')).toBe(content);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(parseReadOutput(bash(readFileScript(file)))).toBe(content);
    expect(parseReadOutput(bash(readFileScript(path.join(dir, 'none'))))).toBeNull();
  });

  it('replaces a file keeping its mode, with a backup', () => {
    const dir = tmp();
    const file = path.join(dir, 'agent.conf');
    fs.writeFileSync(file, AGENT_CONF, { mode: 0o640 });
    fs.chmodSync(file, 0o640);
    bash(replaceFileScript(file, 'new\n'));
    expect(fs.readFileSync(file, 'utf8')).toBe('new\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);
    expect(fs.readFileSync(`${file}.outpost-backup`, 'utf8')).toBe(AGENT_CONF);
    expect(fs.readdirSync(dir).sort()).toEqual(['agent.conf', 'agent.conf.outpost-backup']);
  });
});
