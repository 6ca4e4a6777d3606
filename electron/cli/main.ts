// The `outpost` command. Exit codes are a contract: 0 ok, 1 failed, 2 invalid input, 130 cancelled.
import { Command, CommanderError } from 'commander';
import { appVersion } from '../core/version';
import { registerDemoCommand } from './commands/demo';
import { registerExportCommand } from './commands/export';
import { registerImportCommandCommand } from './commands/import-command';
import { registerInitCommand } from './commands/init';
import { registerPlanCommand } from './commands/plan';
import { registerProfileCommand } from './commands/profile';
import { registerBatchCommand } from './commands/batch';
import { registerLifecycleCommands } from './commands/lifecycle';
import { registerRunCommand } from './commands/run';
import { registerServeCommand } from './commands/serve';
import { registerUnpackCommand } from './commands/unpack';

import { EXIT } from './exit';

export { EXIT };

export function buildProgram(): Command {
  const program = new Command('outpost')
    .description('Install monitoring and log-collection agents on hosts outside the cloud region that collects their data.')
    .version(appVersion(), '-v, --version', 'print the version')
    .showHelpAfterError('(run `outpost --help` for usage)')
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  outpost init --profile icagent --mode jump --out answers.yaml   # a commented answers file to start from
  outpost plan answers.yaml                                        # every step, where it runs, masked
  OUTPOST_AK=… OUTPOST_SK=… outpost run answers.yaml               # run it (secrets from the environment)
  outpost batch answers.yaml --hosts iplist.cfg --report report.json
  outpost export ansible answers.yaml --hosts iplist.cfg --out ./ansible   # the same plan for Ansible
  outpost check answers.yaml --report check.json                  # read-only: tunnels and agents (--watch 60)
  outpost uninstall answers.yaml --remove-tunnel                   # agents off, then the jump servers as before
  outpost inventory                                                # every host Outpost installed
  outpost serve                                                    # the wizard in your browser

Exit codes: 0 done, 1 failed, 2 invalid input (one line per problem; also an unsafe, corrupt or
  mismatched archive or a folder that is not empty, in outpost run as in outpost unpack),
  130 cancelled (Ctrl-C), 129 / 143 stopped by SIGHUP / SIGTERM.

Environment: the variables your answers name as { env: NAME } (secrets; use the OUTPOST_ prefix),
  OUTPOST_DATA_DIR (data folder), OUTPOST_DEFAULT_PASSWORD (batch lines without a password),
  OUTPOST_LOG_LEVEL (error|warn|info|debug), OUTPOST_SSHD (sshd for outpost demo),
  OUTPOST_WINE_PREFIX (Linux: run the Windows steps of "this computer" in this Wine prefix, for testing),
  OUTPOST_WINE64 (the wine64 to use; default wine64 on the PATH, else Debian's /usr/lib/wine/wine64), NO_COLOR (no colours; none either when output is not a terminal).`,
    );
  registerInitCommand(program);
  registerServeCommand(program);
  registerPlanCommand(program);
  registerRunCommand(program);
  registerBatchCommand(program);
  registerLifecycleCommands(program);
  registerExportCommand(program);
  registerDemoCommand(program);
  registerUnpackCommand(program);
  registerImportCommandCommand(program);
  registerProfileCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.invalid;
    }
    process.stderr.write(`outpost: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failed;
  }
}
