import { z } from 'zod';
import { request } from './define';

export const TerminalId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a terminal id');
const Cols = z.number().int().min(2).max(1000);
const Rows = z.number().int().min(1).max(500);

export const terminalRequests = {
  'terminal.open': request({
    summary: 'Open a local shell in a PTY; its output arrives as terminal.data events.',
    input: z.object({ cols: Cols, rows: Rows }).strict(),
    output: z.object({ id: TerminalId, shell: z.string() }),
  }),
  'terminal.openSsh': request({
    summary: 'Open a login shell over SSH on one of the plan\'s hosts (jump0, target2…), through its jump server; host keys must already be verified.',
    input: z.object({ answers: z.record(z.string(), z.unknown()), hostId: z.string().regex(/^(jump|target)\d{1,4}$/, 'a plan host id like target0'), cols: Cols, rows: Rows }).strict(),
    output: z.object({ id: TerminalId, shell: z.string() }),
  }),
  'terminal.write': request({
    summary:
      'Send keystrokes to a terminal. `flush`: the keystrokes hold an interrupt (^C, ^\\, ^Z) typed while the view was behind a flood, and the view dropped the output it had queued; main drops what it holds ahead of the interrupt too (as ISIG does). The answer marks the end of the dropped output.',
    input: z.object({ id: TerminalId, data: z.string().max(1_000_000), flush: z.literal(true).optional() }).strict(),
    output: z.null(),
  }),
  'terminal.resize': request({
    summary: 'Resize a terminal.',
    input: z.object({ id: TerminalId, cols: Cols, rows: Rows }).strict(),
    output: z.null(),
  }),
  'terminal.ack': request({
    summary: 'Acknowledge characters the view has rendered (flow control).',
    input: z.object({ id: TerminalId, chars: z.number().int().min(0).max(100_000_000) }).strict(),
    output: z.null(),
  }),
  'terminal.close': request({
    summary: 'Close a terminal and end its process.',
    input: z.object({ id: TerminalId }).strict(),
    output: z.null(),
  }),
};

export const terminalEvents = {
  'terminal.data': z.object({ id: TerminalId, data: z.string() }),
  'terminal.exit': z.object({ id: TerminalId, exitCode: z.number().int().nullable(), signal: z.number().int().nullable() }),
};
