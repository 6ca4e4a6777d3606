// Terminal flow control: the one place its constants live (main's FlowController and TerminalManager,
// and the renderer's TerminalView, all read them). Characters are UTF-16 code units throughout.
//
// The pipeline: the source (a local PTY, or a run's SSH channel) → FlowController, which gathers
// output for `batchMs` and sends events of at most `maxEventChars` → IPC / WebSocket → the view's
// queue → xterm.js, which is handed at most `viewAheadChars` it has not parsed yet. The view
// acknowledges what xterm.js has parsed (term.write callback) in blocks of `ackBlock`, or after
// `ackIdleMs` for a smaller remainder. The sender counts what is not acknowledged yet, pauses the
// source above `highWatermark` and resumes it below `lowWatermark`: memory stays bounded and a slow
// view slows the source down, nothing is dropped.
//
// Interrupts: when the user types one of INTERRUPT_CHARS (^C, ^\, ^Z) while output floods, the output
// queued ahead of it is dropped, as a terminal's line discipline does with ISIG (it flushes the output
// queue): the view drops its queue and what arrives before the answer to that write (the output in
// flight); the manager drops what it had not sent yet and asks the source to drop what it holds (an
// SSH channel, a run step's or a host terminal's: its paused 2 MB window and stream buffer, and what is
// still on its way up to the remote's "^C" echo, with a note in its place; core/terminal/interrupt.ts
// says why). A local PTY's kernel flushes its own queue. Nothing is dropped outside a flood.
//
// How they were chosen (`npm run bench -- terminal`, see the README's "Terminal flow control"), on
// a 2-core machine (xterm.js parses ~5–13 MB/s there with the DOM renderer):
// - Chromium traces of a 20 MB flood (second pass, with the bench's own DevTools driver): every
//   xterm.js parsing pass is followed by a frame, and a frame of the app's page (style, layout,
//   paint, xterm.js's render, commit; the focused input's caret) costs ~11 ms. Handed 64k at a time,
//   xterm.js parsed ~7 ms per pass, so the renderer spent more time on 150 frames than on parsing.
//   During a flood the view hands xterm.js one write at a time: longer passes, fewer frames (a flood
//   is unreadable anyway; the screen still moves). First (previous build) blocks of a fixed 512k or
//   what 30 ms gathered: ~100 frames instead of ~150, 20 MB from 2.9–3.0 s to 2.0–2.2 s, the renderer
//   process's CPU from 2.4 to 1.8 s. Now each write is sized by time, not characters: what xterm.js
//   parses in about `floodPassMs` at the rate it parsed the last flood writes (`floodBlockChars` to
//   `viewAheadChars`): 38–57 writes for 20 MB instead of ~80, the renderer's CPU from 1.9–2.1 s to
//   1.4–1.7 s; a slower machine gets smaller writes, so a key still waits at most about one pass.
//   Outside a flood (`recent` below `maxEventChars`) nothing waits.
// - The window must hold what the view gathers and parses plus what is in flight, or the source is
//   paused while the view waits: 2M/1M (1M measured 2.7 s with 512k writes). 4M/2M with writes up to
//   2M used a little less CPU but put up to 4M on the socket ahead of a Ctrl-C's answer: 232 ms to the
//   prompt over SSH under load. 2M characters are ~4 MB per terminal at most.
// - `floodPassMs` bounds Ctrl-C: what xterm.js has been given must be parsed before the prompt shows;
//   the rest is in the view's queue and is dropped.
// Earlier findings, on a loaded machine:
// - Profiling (Chromium trace, 20 MB) showed the old 256k window starved the view: the loop (parse →
//   ack → resume the source → read → batch → socket) takes longer than 256k characters take to parse,
//   so the renderer idled between bursts and painted a frame for each small one: 467 frames where
//   xterm.js alone paints 91 for the same text; frames took half the renderer's busy time, parsing a
//   sixth. 1M characters cover the loop; the view's own queue keeps xterm.js busy without giving it
//   more than `viewAheadChars` it could not drop on ^C.
// - One write ahead is enough to keep xterm.js busy: the next one is handed over from the previous
//   one's write callback, inside the same parsing pass (as the bench's (b) chains its 32 KB writes).
// - 64k-character events and 64k acknowledgement blocks keep per-message work (JSON, IPC/WebSocket
//   frames, ack requests and their answers) to a few hundred messages a second during a flood.
export const FLOW = {
  /** How long output is gathered before it crosses IPC / the socket (ms). */
  batchMs: 4,
  /** Largest single data event (characters); a full batch is sent at once, without waiting batchMs. */
  maxEventChars: 64_000,
  /** Unacknowledged characters above which the source is paused. */
  highWatermark: 2_000_000,
  /** Unacknowledged characters below which a paused source is resumed. */
  lowWatermark: 1_000_000,
  /** Most characters the view hands xterm.js ahead of its parser (one write); the rest waits in the view's queue. */
  viewAheadChars: 1_000_000,
  /** During a flood the view hands xterm.js one write of what it parses in about this long (ms)… */
  floodPassMs: 50,
  /** …but at least this many characters… */
  floodBlockChars: 256_000,
  /** …or what arrived within this long (ms) after the first queued chunk, whichever comes first. */
  floodWaitMs: 50,
  /** The view acknowledges as soon as this many parsed characters are pending… */
  ackBlock: 64_000,
  /** …or this long (ms) after the last chunk when fewer are. */
  ackIdleMs: 20,
  /**
   * Output is "flooding" when the source is paused or at least `maxEventChars` arrived within the
   * last one or two of these windows (ms); an interrupt typed then drops the output queued ahead of it.
   */
  floodWindowMs: 500,
} as const;

export type FlowLimits = Pick<typeof FLOW, 'batchMs' | 'highWatermark' | 'lowWatermark' | 'maxEventChars'>;

/** Characters that raise a signal in a terminal with ISIG set: ^C (INTR), ^\ (QUIT), ^Z (SUSP). */
// eslint-disable-next-line no-control-regex -- control characters are the point
export const INTERRUPT_CHARS = /[\x03\x1a\x1c]/;
