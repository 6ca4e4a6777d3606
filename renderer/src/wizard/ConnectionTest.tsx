// "Test connection" on the Hosts step: logs in to every jump server and host (the unknown-host-key
// question comes here, with its fingerprint, not in the middle of the install), then runs the hosts'
// read-only preflight checks (sudo, clock, disk, tools, reach to the agent ports). Nothing is changed
// anywhere: it is a run with checkOnly, reported here.
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { create } from 'zustand';
import type { CheckResult, EventPayload } from '../../../electron/common/api';
import { ApiRequestError, api } from '../api/client';
import { ChecksList } from './fields';
import { useWizardWords } from './wizard-words';
import { HostKeyDialog, type HostKeyChange } from './HostKeyDialog';
import { selectAnswers, useWizard, type HostKeyRequest } from './store';

interface HostRow {
  host: string;
  state: string;
  reason?: string | undefined;
  checks: CheckResult[];
}

interface TestState {
  runId: string | null;
  running: boolean;
  hosts: Record<string, HostRow>;
  hostKeys: HostKeyRequest[];
  changedKeys: HostKeyChange[];
  changedSeen: number;
  error: string | null;
  /** The answers tested (the results are dropped once they change). */
  for: string;
}

const useTest = create<TestState>()(() => ({ runId: null, running: false, hosts: {}, hostKeys: [], changedKeys: [], changedSeen: 0, error: null, for: '' }));
let unsubs: Array<() => void> = [];

function row(s: TestState, hostId: string, host: string): HostRow {
  return s.hosts[hostId] ?? { host, state: 'queued', checks: [] };
}

async function start(): Promise<void> {
  await useWizard.getState().commitSecrets();
  const answers = selectAnswers(useWizard.getState());
  unsubs.forEach((u) => u());
  const mine = (runId: string) => useTest.getState().runId === runId;
  // Events can arrive before run.start answers: keep them until the id is known.
  const early: Array<() => void> = [];
  const on = (runId: string, fn: () => void) => (useTest.getState().runId === null ? early.push(fn) : mine(runId) && fn());
  unsubs = [
    api.on('run.host', (e: EventPayload<'run.host'>) =>
      on(e.runId, () => useTest.setState((s) => ({ hosts: { ...s.hosts, [e.hostId]: { ...row(s, e.hostId, e.host), host: e.host, state: e.state, reason: e.reason } } }))),
    ),
    api.on('run.step', (e: EventPayload<'run.step'>) =>
      on(e.runId, () => {
        if (!e.checks?.length) return;
        useTest.setState((s) => ({ hosts: { ...s.hosts, [e.hostId]: { ...row(s, e.hostId, e.host), checks: e.checks ?? [] } } }));
      }),
    ),
    api.on('hostkey.unknown', (e: EventPayload<'hostkey.unknown'>) => on(e.runId, () => useTest.setState((s) => ({ hostKeys: [...s.hostKeys, e] })))),
    api.on('hostkey.changed', (e: EventPayload<'hostkey.changed'>) => on(e.runId, () => useTest.setState((s) => (s.changedKeys.some((k) => k.host === e.host && k.port === e.port && k.fingerprint === e.fingerprint) ? {} : { changedKeys: [...s.changedKeys, e] })))),
    api.on('run.end', (e: EventPayload<'run.end'>) => on(e.runId, () => useTest.setState({ running: false }))),
  ];
  useTest.setState({ runId: null, running: true, hosts: {}, hostKeys: [], changedKeys: [], changedSeen: 0, error: null, for: JSON.stringify(answers) });
  try {
    const r = await api.request('run.start', { answers, options: { acceptNewHostKeys: false, overridePreflight: false, reinstall: false, tunnelOnly: false, checkOnly: true } });
    useTest.setState({ runId: r.runId });
    early.splice(0).forEach((f) => f());
  } catch (e) {
    useTest.setState({ running: false, error: e instanceof ApiRequestError ? `${e.message}${e.hint ? `\n${e.hint}` : ''}` : String(e) });
  }
}

export function ConnectionTest() {
  const { t } = useTranslation();
  const words = useWizardWords();
  const test = useTest();
  const current = useWizard((s) => JSON.stringify(selectAnswers(s)));
  useEffect(() => () => unsubs.forEach((u) => u()), []);
  const fresh = test.for === current;
  const rows = Object.entries(test.hosts).filter(([id]) => id !== 'local');
  return (
    <div className="conn-test" data-testid="conn-test">
      <button type="button" className="secondary" disabled={test.running} onClick={() => void start()} data-testid="test-connection">
        {test.running ? t('connTest.running') : t('connTest.button')}
      </button>
      <p className="hint block">{t('connTest.hint')}</p>
      {test.error ? (
        <p className="error" role="alert">
          {test.error}
        </p>
      ) : null}
      {rows.length && (fresh || test.running) ? (
        <ul className="plain-list conn-results" data-testid="conn-results" aria-live="polite">
          {rows.map(([id, r]) => (
            <li key={id} data-testid={`conn-${id}`} data-state={r.state}>
              <strong>{r.host}</strong> <span className={`pill s-${r.state === 'done' ? 'done' : r.state === 'failed' ? 'failed' : 'running'}`}>{t(`hostState.${r.state}`, { defaultValue: r.state })}</span>
              {r.reason ? <div className="hint">{words(r.reason)}</div> : null}
              {r.checks.length ? <ChecksList checks={r.checks} hints /> : null}
            </li>
          ))}
        </ul>
      ) : null}
      {test.hostKeys.length || test.changedKeys.length > test.changedSeen ? (
        <HostKeyDialog
          requests={test.hostKeys}
          changed={test.changedKeys.slice(test.changedSeen)}
          onDecide={(ds) => {
            const answered = new Set(ds.map((d) => d.requestId));
            useTest.setState((s) => ({ hostKeys: s.hostKeys.filter((h) => !answered.has(h.requestId)) }));
            for (const d of ds) void api.request('hostkey.decide', d);
          }}
          onDismissChanged={() => useTest.setState((s) => ({ changedSeen: s.changedKeys.length }))}
        />
      ) : null}
    </div>
  );
}
