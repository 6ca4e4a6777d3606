import { describe, expect, it } from 'vitest';
import { createLogger, type Level } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';

describe('SecretRegistry', () => {
  it('passes text through when empty', () => {
    const r = new SecretRegistry();
    expect(r.redact('ak=ABC sk=DEF')).toBe('ak=ABC sk=DEF');
  });

  it('masks every occurrence, longest secret first, regex characters included', () => {
    const r = new SecretRegistry();
    r.add('p4ss');
    r.add('p4ss.w*rd$(x)');
    expect(r.redact('a p4ss.w*rd$(x) b p4ss c')).toBe('a **** b **** c');
  });

  it('forgets removed secrets', () => {
    const r = new SecretRegistry();
    r.add('s3cr3t');
    r.remove('s3cr3t');
    expect(r.redact('s3cr3t')).toBe('s3cr3t');
  });
});

describe('logger', () => {
  it('redacts every line before it reaches the sink, and honours the level', () => {
    const reg = new SecretRegistry();
    reg.add('TOPSECRET-SK');
    const lines: Array<[Level, string]> = [];
    const log = createLogger((l, line) => lines.push([l, line]), { level: 'info', secrets: reg });
    log.info('connecting with', { sk: 'TOPSECRET-SK' });
    log.debug('hidden at info level TOPSECRET-SK');
    log.error('failed', new Error('auth TOPSECRET-SK refused'));
    expect(lines).toEqual([
      ['info', 'connecting with {"sk":"****"}'],
      ['error', 'failed Error: auth **** refused'],
    ]);
    expect(JSON.stringify(lines)).not.toContain('TOPSECRET');
  });
});
