import { useEffect, useState } from 'react';
import type { SystemInfo } from '../../electron/common/api';
import { api } from './api/client';
import { TerminalView } from './components/Terminal';

export function App() {
  const [info, setInfo] = useState<SystemInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.request('system.info', {}).then(setInfo, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);
  return (
    <div className="app">
      <header className="titlebar">
        <div className="brand">
          <span className="logo" aria-hidden="true" />
          <span>Outpost</span>
        </div>
        <div className="meta" data-testid="app-version">
          {info ? `v${info.version} · ${info.platform}/${info.arch} · ${info.mode}` : error ?? '…'}
        </div>
      </header>
      <main className="content">
        {info && !info.ptyAvailable ? (
          <p role="alert">A local terminal is not available on this machine (node-pty is missing).</p>
        ) : (
          <TerminalView label="Local shell" />
        )}
      </main>
    </div>
  );
}
