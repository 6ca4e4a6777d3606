// `sc query` read and said in words (issue 22, item 2). wine-stopped-1077.txt is what Wine's sc printed
// for the fixture service built to exit at once; the typed-*.txt files were typed after the layout of
// Windows' sc (not captured from a Windows server: none exists here).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainScQuery, parseScQuery, scFailure, scQueryService } from '../../../electron/core/actions/probe/sc-query';
import { hashScript, parseHashes, winJoin } from '../../../electron/core/exec/ssh-windows';

const fixture = (f: string) => fs.readFileSync(path.join(import.meta.dirname, '..', '..', 'fixtures', 'windows', 'sc-query', f), 'utf8');

describe('sc query', () => {
  it('a running service: the STATE line is the evidence, nothing to explain', () => {
    const q = parseScQuery(fixture('typed-running.txt'));
    expect(q).toMatchObject({ service: 'icagent', state: 4, stateWord: 'RUNNING', stateLine: 'STATE: 4 RUNNING', win32ExitCode: 0, serviceExitCode: 0 });
    expect(q && explainScQuery(q)).toBeNull();
  });

  it('a service that never started (1077) is said in words', () => {
    const q = parseScQuery(fixture('wine-stopped-1077.txt'));
    expect(q).toMatchObject({ service: 'RackspaceCloudServersAgent', stateWord: 'STOPPED', win32ExitCode: 1077 });
    expect(q && explainScQuery(q)).toBe('RackspaceCloudServersAgent is STATE: 1 STOPPED (WIN32_EXIT_CODE 1077): the service has never been started since it was installed (error 1077): its start failed or was never attempted.');
  });

  it.each([
    [1053, /did not respond to the start request in time/],
    [5, /access was denied/],
    [1058, /disabled/],
    [1067, /ended unexpectedly/],
  ])('WIN32_EXIT_CODE %i', (code, words) => {
    const text = fixture('wine-stopped-1077.txt').replace('1077  (0x435)', `${code}  (0x0)`);
    expect(explainScQuery(parseScQuery(text) ?? assertNever())).toMatch(words);
  });

  it("1066: the service's own SERVICE_EXIT_CODE", () => {
    const text = fixture('wine-stopped-1077.txt').replace('1077  (0x435)', '1066  (0x42a)').replace('SERVICE_EXIT_CODE  : 0', 'SERVICE_EXIT_CODE  : 42');
    expect(explainScQuery(parseScQuery(text) ?? assertNever())).toContain('its own error code 42');
  });

  it('a missing service: sc failed with 1060', () => {
    expect(parseScQuery(fixture('typed-missing-1060.txt'))).toBeNull();
    expect(scFailure('icagent', fixture('typed-missing-1060.txt'))).toBe('sc query icagent failed: no service of that name exists (error 1060): it was never created, or was deleted.');
  });

  it('which verify commands are `sc query <name>`', () => {
    expect(scQueryService(['sc', 'query', 'icagent'])).toBe('icagent');
    expect(scQueryService(['sc', 'query', { op: '&' }])).toBeNull();
    expect(scQueryService(['sc', 'qc', 'icagent'])).toBeNull();
  });
});

describe('a tree sent to a Windows host', () => {
  it('one certutil script for every file, % doubled, read back by index (spaced and joined hashes)', () => {
    const files = [winJoin('C:\\ICAgent\\', 'ICProbeAgent/bin/icagent.exe'), winJoin('C:\\ICAgent', '100%/a b.txt')];
    expect(files).toEqual(['C:\\ICAgent\\ICProbeAgent\\bin\\icagent.exe', 'C:\\ICAgent\\100%\\a b.txt']);
    const script = hashScript(files);
    expect(script).toBe('echo OUTPOST_FILE 0\r\ncertutil -hashfile "C:\\ICAgent\\ICProbeAgent\\bin\\icagent.exe" SHA256\r\necho OUTPOST_FILE 1\r\ncertutil -hashfile "C:\\ICAgent\\100%%\\a b.txt" SHA256');
    const h = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const spaced = h.match(/../g)?.join(' ') ?? '';
    const out = `OUTPOST_FILE 0\r\nSHA256 hash of file C:\\ICAgent\\x:\r\n${spaced}\r\nCertUtil: -hashfile command completed successfully.\r\nOUTPOST_FILE 1\r\nSHA256 hash of C:\\y:\r\n${h.toUpperCase()}\r\nCertUtil: -hashfile command completed successfully.\r\n`;
    expect(parseHashes(out, 2)).toEqual([h, h]);
    // A file certutil could not read has no hash: never taken for another file's.
    expect(parseHashes(`OUTPOST_FILE 0\r\nCertUtil: -hashfile command FAILED: 0x80070002\r\nOUTPOST_FILE 1\r\n${h}\r\n`, 2)).toEqual([null, h]);
  });
});

function assertNever(): never {
  throw new Error('not parsed');
}
