import { describe, expect, it } from 'vitest';
import { createDispatcher, wants, type Client, type Handlers } from '../../../electron/core/api/dispatcher';
import { createHandlers } from '../../../electron/core/api/handlers';
import { OutpostError } from '../../../electron/core/errors';
import { silentLogger } from '../../../electron/core/log/logger';
import { SecretRegistry } from '../../../electron/core/secrets/registry';
import type { CoreContext } from '../../../electron/core/context';

const client: Client = { id: 'test', emit: () => undefined, onClose: () => undefined };

function ctx(secrets = new SecretRegistry()): CoreContext {
  return { appName: 'Outpost', version: '9.9.9', mode: 'browser', locale: 'en', dataDir: '/tmp/x', resourcesDir: '/tmp/r', log: silentLogger, secrets };
}

describe('dispatcher', () => {
  it('serves a valid request', async () => {
    const d = createDispatcher(createHandlers(ctx()), { log: silentLogger, secrets: new SecretRegistry() });
    const r = await d.call('system.info', {}, client);
    expect(r.ok).toBe(true);
    if (r.ok) expect((r.value as { version: string }).version).toBe('9.9.9');
  });

  it('refuses unknown requests and invalid input with code, message and hint', async () => {
    const d = createDispatcher(createHandlers(ctx()), { log: silentLogger, secrets: new SecretRegistry() });
    const unknown = await d.call('system.rm -rf', {}, client);
    expect(unknown).toMatchObject({ ok: false, error: { code: 'unknown_request' } });
    const bad = await d.call('terminal.resize', { id: 'x', cols: 'wide', rows: 10 }, client);
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('invalid_input');
      expect(bad.error.message).toContain('cols');
      expect(bad.error.hint).toBeTruthy();
    }
  });

  it('turns thrown errors into {code, message, hint} with secrets masked', async () => {
    const secrets = new SecretRegistry();
    secrets.add('hunter2');
    const handlers = {
      ...createHandlers(ctx(secrets)),
      'system.info': () => {
        throw new OutpostError('auth_failed', 'password hunter2 rejected', 'Check the password.');
      },
    } as Handlers;
    const d = createDispatcher(handlers, { log: silentLogger, secrets });
    const r = await d.call('system.info', {}, client);
    expect(r).toEqual({ ok: false, error: { code: 'auth_failed', message: 'password **** rejected', hint: 'Check the password.' } });
  });

  it('refuses a handler answer outside the contract', async () => {
    const handlers = { ...createHandlers(ctx()), 'system.info': () => ({ nope: true }) } as unknown as Handlers;
    const d = createDispatcher(handlers, { log: silentLogger, secrets: new SecretRegistry() });
    const r = await d.call('system.info', {}, client);
    expect(r).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('sends optional events (run.output) only to a client that subscribed, every event to one that never did', async () => {
    const d = createDispatcher(createHandlers(ctx()), { log: silentLogger, secrets: new SecretRegistry() });
    const page: Client = { id: 'page', emit: () => undefined, onClose: () => undefined };
    const script: Client = { id: 'script', emit: () => undefined, onClose: () => undefined };
    expect(wants(page, 'run.output')).toBe(true);
    expect(await d.call('events.subscribe', { names: [] }, page)).toMatchObject({ ok: true });
    expect(wants(page, 'run.output')).toBe(false);
    expect(wants(page, 'run.step')).toBe(true); // not optional: always sent
    expect(wants(script, 'run.output')).toBe(true);
    await d.call('events.subscribe', { names: ['run.output'] }, page);
    expect(wants(page, 'run.output')).toBe(true);
    const bad = await d.call('events.subscribe', { names: ['run.step'] }, page);
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});
