export { QuoteError, joinPosix, quotePosix } from './posix';
export { joinCmd, quoteCmd, type CmdMode } from './cmd';
export { decodePowerShell, encodePowerShell, POWERSHELL_STDIN_READER, powershellStdin, powershellStdinArgs, powershellStdinCommand, quotePowerShell } from './powershell';
