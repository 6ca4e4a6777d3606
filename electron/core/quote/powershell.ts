// PowerShell quoting. Words become single-quoted literals ('…' is never expanded; the only escape is
// doubling the quote — PowerShell also treats the typographic quotes ‘ ’ ‚ ‛ as single quotes, so they
// are doubled too). Whole scripts are passed with -EncodedCommand (base64 of UTF-16LE), which leaves
// nothing for the outer shell (cmd, sh) to interpret: the only characters are [A-Za-z0-9+/=].
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

/** The argv that runs `script` in Windows PowerShell without profile or prompts. */
export function powershellEncodedArgv(script: string): string[] {
  return ['powershell.exe', '-NoProfile', '-NonInteractive', '-ExecutionPolicy', 'Bypass', '-EncodedCommand', encodePowerShell(script)];
}
