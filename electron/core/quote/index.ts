export { QuoteError, joinPosix, quotePosix } from './posix';
export { joinCmd, quoteCmd, type CmdMode } from './cmd';
export { decodePowerShell, encodePowerShell, powershellEncodedArgv, quotePowerShell } from './powershell';
