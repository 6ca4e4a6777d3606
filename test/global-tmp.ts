// Vitest global setup (every project): the run's temporary files go into one folder of its own, removed
// when the run ends. Tests make their folders with os.tmpdir(), and so do the programs they start
// (Chromium, Wine, ssh-keygen, the CLI); without this a full run left ~200 folders in /tmp. The folder
// is world-writable with the sticky bit, as /tmp is, so the throwaway test users keep /tmp's rules; its
// name is short because sockets live below it (a Unix socket path holds at most 107 bytes).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const before = process.env.TMPDIR;
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ot-'));
  fs.chmodSync(root, 0o1777);
  // Set before vitest starts its workers, which inherit it.
  process.env.TMPDIR = root;
  return () => {
    if (before === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = before;
    try {
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 3 });
    } catch (err) {
      // A mount a failed test left behind, say: the run's result stands, the folder stays to look at.
      process.stderr.write(`test temp folder ${root} not removed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  };
}
