// Every action kind of the Plan's union has its module with all four parts (validation, display, how it
// runs, its Ansible form): a kind added to the union without them fails here (and does not compile).
import { describe, expect, it } from 'vitest';
import { Action } from '../../../electron/common/api/plan';
import { ACTIONS, validateAction } from '../../../electron/core/actions';

const kinds = Action.options.map((o) => o.shape.kind.value);

describe('the action registry', () => {
  it('has a module for every kind of the Action union, and nothing else', () => {
    expect(Object.keys(ACTIONS).sort()).toEqual([...kinds].sort());
  });

  for (const kind of kinds) {
    it(`${kind}: validate, display, run and ansible are functions of its module`, () => {
      const m = ACTIONS[kind];
      expect(m.kind).toBe(kind);
      for (const part of ['validate', 'display', 'run', 'ansible'] as const) expect(typeof m[part], `${kind}.${part}`).toBe('function');
    });
  }

  it('validation says what is wrong, naming the field', () => {
    expect(validateAction({ kind: 'writeFile', path: '/x', content: ['a'], mode: 0o600, transient: false, escape: 'none', root: false, owner: 'agent' })).toEqual(['owner: agent can only be set by root; add root: true']);
    expect(validateAction({ kind: 'probe', probes: [] })).toEqual(['probes: a probe step needs at least one check']);
    expect(validateAction({ kind: 'exec', shell: 'bash', command: ['true'], success: {}, failureMarkers: [], timeoutSec: 1, interactive: false, root: false, diagnosis: [{ pattern: '(', code: 'x', hint: 'h' }] })[0]).toMatch(/not a regular expression/);
  });
});
