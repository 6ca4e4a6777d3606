// Terminal input travels in pieces small enough for one WebSocket message whatever the characters
// (JSON escaping can grow a character to 6 bytes): a big paste is several terminal.write requests,
// sent in order. Pieces never split a surrogate pair.
export const TERMINAL_WRITE_CHUNK = 64 * 1024;

export function splitTerminalInput(data: string, max: number = TERMINAL_WRITE_CHUNK): string[] {
  if (data.length <= max) return [data];
  const out: string[] = [];
  let i = 0;
  while (i < data.length) {
    let end = Math.min(i + max, data.length);
    const last = data.charCodeAt(end - 1);
    if (end < data.length && end - i > 1 && last >= 0xd800 && last <= 0xdbff) end--;
    out.push(data.slice(i, end));
    i = end;
  }
  return out;
}
