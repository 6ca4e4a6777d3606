// Terminal flow control: the one place its constants live (main's FlowController and the renderer's
// TerminalView both read them). Output is gathered for `batchMs` and sent in events of at most
// `maxEventChars`; the sender counts characters the view has not acknowledged yet, pauses the source
// (PTY or SSH channel) above `highWatermark` and resumes it below `lowWatermark`; the view acknowledges
// after xterm.js has parsed the data (term.write callback), in blocks of `ackBlock`, or after
// `ackIdleMs` for a smaller remainder.
//
// How they were chosen (`npm run bench -- terminal`, see the README's "Terminal flow control"):
// - The window (highWatermark) bounds memory and how much output Ctrl-C has to wait for: everything
//   already sent must still be parsed before the prompt shows. 256k characters is ~50 ms of xterm.js
//   parsing on a slow 2-core machine (~5 MB/s), ~5 ms on a fast one.
// - lowWatermark at half the window keeps the view busy while the source restarts (a resumed PTY or
//   SSH channel needs a read, a batch and a trip over the socket before new data arrives); the old
//   100k/5k pair let the view drain to nothing on each cycle and idle a third of the time.
// - 64k-character events and 16k acknowledgement blocks keep per-message work (JSON, IPC/WebSocket
//   frames, ack requests) to a few hundred messages a second during a flood.
export const FLOW = {
  /** How long output is gathered before it crosses IPC / the socket (ms). */
  batchMs: 4,
  /** Largest single data event (characters); a full batch is sent at once, without waiting batchMs. */
  maxEventChars: 64_000,
  /** Unacknowledged characters above which the source is paused. */
  highWatermark: 256_000,
  /** Unacknowledged characters below which a paused source is resumed. */
  lowWatermark: 128_000,
  /** The view acknowledges as soon as this many parsed characters are pending… */
  ackBlock: 16_000,
  /** …or this long (ms) after the last chunk when fewer are. */
  ackIdleMs: 20,
} as const;

export type FlowLimits = Pick<typeof FLOW, 'batchMs' | 'highWatermark' | 'lowWatermark' | 'maxEventChars'>;
