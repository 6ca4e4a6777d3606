// An xterm.js view attached to a terminal in main. Acknowledges output only after xterm has
// processed it (term.write callback), in blocks, so main can pause a flooding source; keeps xterm.js
// at most FLOW.viewAheadChars ahead of its parser, hands it big blocks during a flood, and drops its
// queue on an interrupt typed during a flood (constants and their reasons: electron/common/terminal-flow.ts).
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Terminal as XTerm } from '@xterm/xterm';
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import '@xterm/xterm/css/xterm.css';
import { FLOW, INTERRUPT_CHARS } from '../../../electron/common/terminal-flow';
import { api } from '../api/client';

declare global {
  interface Window {
    /** Test and benchmark hook (set by them before the page loads): every chunk xterm.js has parsed, in order. */
    __outpostTerminalProbe?: (id: string, data: string) => void;
  }
}

export interface TerminalViewProps {
  /** Id of a terminal already open in main; when absent the view opens a local shell. */
  terminalId?: string;
  /** Called with the id once a local shell is open. */
  onOpen?: (id: string) => void;
  onExit?: (code: number | null) => void;
  label?: string;
  /** Focus the terminal when it opens (off when a dialog may be showing). */
  autoFocus?: boolean;
  /** Output that arrived before this view existed (a run's terminal), written first. Already acknowledged. */
  replay?: () => string;
  /** Treat a bare LF as CRLF (output of commands run without a PTY). */
  convertEol?: boolean;
}

export function TerminalView({ terminalId, onOpen, onExit, label = 'Terminal', autoFocus = true, replay, convertEol = false }: TerminalViewProps) {
  const { t } = useTranslation();
  const replayRef = useRef(replay);
  const host = useRef<HTMLDivElement>(null);
  const onOpenRef = useRef(onOpen);
  const onExitRef = useRef(onExit);
  useEffect(() => {
    onOpenRef.current = onOpen;
    onExitRef.current = onExit;
  });

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const dark = window.matchMedia('(prefers-color-scheme: dark)').matches;
    const term = new XTerm({
      cursorBlink: true,
      convertEol,
      fontFamily: '"Cascadia Mono", "DejaVu Sans Mono", "Noto Sans Mono", Menlo, Consolas, monospace',
      fontSize: 13,
      scrollback: 5000,
      allowProposedApi: false,
      theme: dark
        ? { background: '#15161a', foreground: '#e6e6e6', cursor: '#7aa2ff', selectionBackground: '#3a4a6b' }
        : { background: '#fbfbfc', foreground: '#1f2328', cursor: '#2155d6', selectionBackground: '#c9d7f7' },
    });
    const fit = new FitAddon();
    const search = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(search);
    term.open(el);
    fit.fit();

    let id: string | null = terminalId ?? null;
    // Taken in the same task as the subscription below: nothing can fall between the two.
    const earlier = replayRef.current?.();
    if (earlier) term.write(earlier);
    let disposed = false;
    let pendingAck = 0;
    const unsubs: Array<() => void> = [];

    // Parsed characters are acknowledged in blocks; a smaller remainder after a short quiet time.
    let ackTimer: number | undefined;
    const flushAck = () => {
      window.clearTimeout(ackTimer);
      ackTimer = undefined;
      if (pendingAck > 0 && id) {
        const chars = pendingAck;
        pendingAck = 0;
        void api.request('terminal.ack', { id, chars }).catch(() => undefined);
      }
    };
    const ack = (n: number) => {
      pendingAck += n;
      if (pendingAck >= FLOW.ackBlock) flushAck();
      else ackTimer ??= window.setTimeout(flushAck, FLOW.ackIdleMs);
    };

    // Output waits here until xterm.js is less than FLOW.viewAheadChars ahead of its parser: xterm.js
    // stays busy (the next chunk is handed over from the previous one's write callback, in the same
    // parsing pass), and what it has not been given can still be dropped when the user interrupts.
    const queue: string[] = [];
    let queued = 0;
    let ahead = 0;
    // Flushing interrupts sent whose answers have not come back yet; while `discarding`, arriving
    // output was produced before the interrupt reached the source and is dropped (and acknowledged).
    let interrupts = 0;
    let discarding = false;
    // Characters received since `recentSince` (FLOW.floodWindowMs windows): whether output floods.
    let recent = 0;
    let recentSince = 0;
    let recentBefore = 0;
    // During a flood xterm.js gets one write at a time, sized to take it about FLOW.floodPassMs to
    // parse (by the rate it parsed the last flood writes at; FLOW.floodBlockChars to viewAheadChars),
    // or what FLOW.floodWaitMs gathered: every parsing pass ends with a frame, so longer passes mean
    // fewer frames per byte, and a pass of bounded time keeps keys (and Ctrl-C) waiting no longer
    // than that. Outside a flood output goes in as it comes.
    let holdTimer: number | undefined;
    let firstQueuedAt = 0;
    /** Characters per ms xterm.js parsed flood writes at (a moving average); 0 until measured. */
    let parseRate = 0;
    const floodBlock = () => (parseRate > 0 ? Math.min(FLOW.viewAheadChars, Math.max(FLOW.floodBlockChars, Math.round(parseRate * FLOW.floodPassMs))) : FLOW.floodBlockChars);
    const pump = () => {
      const flood = recent >= FLOW.maxEventChars || recentBefore >= FLOW.maxEventChars;
      if (flood && ahead > 0) return; // the write callback pumps again
      const block = flood ? floodBlock() : FLOW.viewAheadChars;
      if (flood && queued > 0 && queued < block) {
        const waited = performance.now() - firstQueuedAt;
        if (waited < FLOW.floodWaitMs) {
          holdTimer ??= window.setTimeout(() => {
            holdTimer = undefined;
            pump();
          }, FLOW.floodWaitMs - waited);
          return;
        }
      }
      while (queue.length > 0 && ahead < block) {
        // What is queued goes in as one write, up to the block (one event at least).
        let data = queue.shift() as string;
        while (queue.length > 0 && ahead + data.length + (queue[0] as string).length <= block) data += queue.shift() as string;
        queued -= data.length;
        ahead += data.length;
        const t0 = performance.now();
        term.write(data, () => {
          ahead -= data.length;
          if (disposed) return;
          if (flood && data.length >= FLOW.maxEventChars) {
            const r = data.length / Math.max(1, performance.now() - t0);
            parseRate = parseRate > 0 ? 0.6 * parseRate + 0.4 * r : r;
          }
          window.__outpostTerminalProbe?.(id ?? '', data);
          ack(data.length);
          pump();
        });
        // One write a pass during a flood: a second, smaller write would be parsed in a task of its
        // own and paint a frame of its own.
        if (flood) break;
      }
    };

    unsubs.push(
      api.on('terminal.data', ({ id: tid, data }) => {
        if (tid !== id) return;
        const now = performance.now();
        if (now - recentSince > FLOW.floodWindowMs) {
          // The window just ended: a flood goes on across its edge.
          recentBefore = now - recentSince < 2 * FLOW.floodWindowMs ? recent : 0;
          recentSince = now;
          recent = 0;
        }
        recent += data.length;
        if (discarding) return ack(data.length);
        if (queue.length === 0) firstQueuedAt = now;
        queue.push(data);
        queued += data.length;
        pump();
      }),
      api.on('terminal.exit', ({ id: tid, exitCode }) => {
        if (tid !== id) return;
        term.write(`\r\n\x1b[2m[process exited${exitCode === null ? '' : ` with code ${exitCode}`}]\x1b[0m\r\n`);
        onExitRef.current?.(exitCode);
      }),
    );

    /** Sends input; an interrupt typed while output floods drops the output queued ahead of it (see FLOW). */
    const send = (data: string) => {
      if (!id) return;
      const flooding = queued > 0 || (performance.now() - recentSince < 2 * FLOW.floodWindowMs && recent >= FLOW.maxEventChars);
      const flush = flooding && INTERRUPT_CHARS.test(data);
      if (flush) {
        interrupts += 1;
        discarding = true;
        ack(queued);
        queue.length = 0;
        queued = 0;
      }
      const sent = api.request('terminal.write', flush ? { id, data, flush } : { id, data }).catch(() => null);
      if (flush) {
        void sent.then(() => {
          interrupts -= 1;
          if (interrupts === 0) discarding = false;
        });
      }
    };

    const input = term.onData(send);
    // Esc Esc leaves the terminal (xterm.js keeps Tab for the shell, so the keyboard needs a way out):
    // the first Escape goes to the shell as usual, a second within half a second moves the focus on.
    let lastEscape = 0;
    const leave = () => {
      term.blur();
      const focusable = [...document.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])')].filter((x) => !el.contains(x) && x.getClientRects().length > 0);
      const after = focusable.find((x) => el.compareDocumentPosition(x) & Node.DOCUMENT_POSITION_FOLLOWING) ?? focusable[focusable.length - 1];
      after?.focus();
    };
    // Copy on Ctrl+Shift+C, paste on Ctrl+Shift+V (Ctrl+C stays an interrupt).
    term.attachCustomKeyEventHandler((ev) => {
      if (ev.type === 'keydown' && ev.key === 'Escape' && !ev.ctrlKey && !ev.altKey && !ev.shiftKey && !ev.metaKey) {
        const now = performance.now();
        if (now - lastEscape < 500) {
          lastEscape = 0;
          leave();
          return false;
        }
        lastEscape = now;
        return true;
      }
      if (ev.type !== 'keydown' || !ev.ctrlKey || !ev.shiftKey) return true;
      if (ev.code === 'KeyC') {
        const sel = term.getSelection();
        if (sel) void navigator.clipboard?.writeText(sel);
        return false;
      }
      if (ev.code === 'KeyV') {
        void navigator.clipboard?.readText().then((t) => t && send(t));
        return false;
      }
      if (ev.code === 'KeyF') {
        const q = window.prompt('Find in terminal');
        if (q) search.findNext(q);
        return false;
      }
      return true;
    });

    const ro = new ResizeObserver(() => {
      try {
        fit.fit();
      } catch {
        return;
      }
      if (id) void api.request('terminal.resize', { id, cols: term.cols, rows: term.rows }).catch(() => undefined);
    });
    ro.observe(el);

    if (!id) {
      api
        .request('terminal.open', { cols: term.cols, rows: term.rows })
        .then((res) => {
          if (disposed) {
            void api.request('terminal.close', { id: res.id });
            return;
          }
          id = res.id;
          onOpenRef.current?.(res.id);
        })
        .catch((err: unknown) => {
          term.write(`\x1b[31m${err instanceof Error ? err.message : String(err)}\x1b[0m\r\n`);
        });
    }
    if (autoFocus) term.focus();

    return () => {
      disposed = true;
      window.clearTimeout(ackTimer);
      window.clearTimeout(holdTimer);
      ro.disconnect();
      input.dispose();
      unsubs.forEach((u) => u());
      if (id && !terminalId) void api.request('terminal.close', { id }).catch(() => undefined);
      term.dispose();
    };
  }, [terminalId, autoFocus, convertEol]);

  return (
    <>
      <div className="terminal" ref={host} role="region" aria-label={label} data-testid="terminal" />
      <p className="hint terminal-keys" data-testid="terminal-keys">
        {t('run.terminalHint')}
      </p>
    </>
  );
}
