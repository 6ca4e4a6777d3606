// An interactive cmd step has no PTY: its stdin is a pipe (on this computer, and over SSH, where a PTY
// would echo the secrets' line back). What a person types reaches that pipe with Enter as a line end (a
// terminal sends \r; cmd's `set /p` and the programs it starts end a line at \n), and the vendor's
// questions are answered as in a PTY (./prompts.ts). Nothing typed or answered is on a command line.
import type { InputSink, PromptAnswer } from './executor';
import { PromptResponder } from './prompts';

export interface RawPipe {
  write(d: string): void;
  pause(): void;
  resume(): void;
  drain?: () => void;
}

/** Enter (\r) as \r\n; a \r\n already there is kept. */
export function crlf(d: string): string {
  return d.replace(/\r(?!\n)/g, '\r\n');
}

/** The person's side of the pipe, and the output watcher that answers prompts (call it with each output chunk). */
export function pipeInput(pipe: RawPipe, respond?: readonly PromptAnswer[]): { sink: InputSink; onOutput: (text: string) => void } {
  const responder = respond?.length ? new PromptResponder(respond.map((p) => ({ re: p.pattern, answer: () => p.answer, max: p.max ?? 1 }))) : null;
  return {
    sink: { write: (d) => pipe.write(crlf(d)), pause: () => pipe.pause(), resume: () => pipe.resume(), drain: () => pipe.drain?.() },
    onOutput: (text) => {
      if (responder) for (const a of responder.push(text)) pipe.write(crlf(a));
    },
  };
}
