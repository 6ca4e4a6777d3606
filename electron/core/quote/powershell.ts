// PowerShell quoting. Words become single-quoted literals ('…' is never expanded; the only escape is
// doubling the quote — PowerShell also treats the typographic quotes ‘ ’ ‚ ‛ as single quotes, so they
// are doubled too). Whole scripts never go on a command line, not even base64-encoded (-EncodedCommand
// is an encoding, not a mask: any user who lists processes can decode it): PowerShell is started with a
// fixed reader as its command, and the script, secrets included, comes on stdin as UTF-8.
import { QuoteError } from './posix';

export function quotePowerShell(word: string): string {
  if (word.includes('\0')) throw new QuoteError('a NUL character cannot be passed to PowerShell', '\\0');
  return `'${word.replace(/['\u2018\u2019\u201a\u201b]/g, '$&$&')}'`;
}

export function encodePowerShell(script: string): string {
  return Buffer.from(script, 'utf16le').toString('base64');
}

export function decodePowerShell(encoded: string): string {
  return Buffer.from(encoded, 'base64').toString('utf16le');
}

/**
 * The command PowerShell is given: read stdin to its end as UTF-8 and run it as one script block (not line
 * by line, as `-Command -` would: a statement spanning lines, $ErrorActionPreference and a script that
 * does not parse all behave as in a .ps1 file; `exit N` ends PowerShell with N). No part of the step's
 * script is in it. It holds no double quote, so `"…"` keeps it one argument through cmd.exe and
 * CommandLineToArgvW alike.
 */
export const POWERSHELL_STDIN_READER =
  '$r = New-Object System.IO.StreamReader([Console]::OpenStandardInput(), (New-Object System.Text.UTF8Encoding $false)); $s = $r.ReadToEnd(); $r.Dispose(); & ([ScriptBlock]::Create($s))';

/** PowerShell's arguments for a script on stdin (after the program's name): no profile, no prompts, the reader. */
export function powershellStdinArgs(): string[] {
  return ['-NoLogo', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-Command', POWERSHELL_STDIN_READER];
}

/** The same as one command line (an SSH exec request, which Windows OpenSSH runs with cmd.exe /c). */
export function powershellStdinCommand(program = 'powershell.exe'): string {
  return [program, ...powershellStdinArgs().slice(0, -1), `"${POWERSHELL_STDIN_READER}"`].join(' ');
}

/** What goes on PowerShell's stdin for `script` (the reader takes all of it). */
export function powershellStdin(script: string): string {
  return `${script}\r\n`;
}
