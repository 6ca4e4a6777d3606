import { describe, expect, it } from 'vitest';
import type { Action } from '../../../electron/common/api/plan';
import { outcomeOf } from '../../../electron/core/actions';

type Exec = Extract<Action, { kind: 'exec' }>;
const base: Exec = {
  kind: 'exec',
  shell: 'bash',
  command: ['true'],
  success: { markers: ['ICAgent install success'] },
  failureMarkers: ['ICAgent install failed'],
  timeoutSec: 10,
  interactive: false,
  root: false,
  diagnosis: [],
};

describe('outcomeOf', () => {
  it('needs a success marker when the step names some, whatever the exit code', () => {
    expect(outcomeOf(base, 'x\nICAgent install success\n', 0).ok).toBe(true);
    expect(outcomeOf(base, 'x\nICAgent install success\n', 1).ok).toBe(true);
    expect(outcomeOf(base, 'x\n', 0)).toMatchObject({ ok: false, markerOk: false });
  });
  it('a failure marker wins over a success marker', () => {
    expect(outcomeOf(base, 'ICAgent install success\nICAgent install failed', 0)).toMatchObject({ ok: false, failed: 'ICAgent install failed' });
  });
  it('checks the exit code when the step names one', () => {
    const s: Exec = { ...base, success: { exitCode: 0 }, failureMarkers: [] };
    expect(outcomeOf(s, '', 0).ok).toBe(true);
    expect(outcomeOf(s, '', 1)).toMatchObject({ ok: false, exitOk: false });
    expect(outcomeOf(s, '', null).ok).toBe(false);
  });
});
