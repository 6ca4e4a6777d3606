import { describe, expect, it } from 'vitest';
import type { Step } from '../../../electron/common/api/plan';
import { outcomeOf } from '../../../electron/core/run/runner';

const base: Step = {
  id: 'install', title: 'Install', titleKey: 'k', params: {}, kind: 'install', where: { kind: 'target' }, shell: 'bash',
  command: ['true'], display: 'true', description: '', success: { markers: ['ICAgent install success'] },
  failureMarkers: ['ICAgent install failed'], timeoutSec: 10, interactive: false,
};

describe('outcomeOf', () => {
  it('needs a success marker when the step names some, whatever the exit code', () => {
    expect(outcomeOf(base, 'x\nICAgent install success\n', 0).ok).toBe(true);
    expect(outcomeOf(base, 'x\n', 0)).toMatchObject({ ok: false, markerOk: false });
  });
  it('a failure marker wins over a success marker', () => {
    expect(outcomeOf(base, 'ICAgent install success\nICAgent install failed', 0)).toMatchObject({ ok: false, failed: 'ICAgent install failed' });
  });
  it('checks the exit code when the step names one', () => {
    const s: Step = { ...base, success: { exitCode: 0 }, failureMarkers: [] };
    expect(outcomeOf(s, '', 0).ok).toBe(true);
    expect(outcomeOf(s, '', 1)).toMatchObject({ ok: false, exitOk: false });
    expect(outcomeOf(s, '', null).ok).toBe(false);
  });
});
