// `outpost import-command --profile ID [--os linux|windows] [--mode direct|jump|vpcep] < pasted.txt`:
// reads the install command a vendor console generated (stdin) and prints an answers file (YAML) for it.
// Secret values never appear in the output: each secret becomes `{ env: OUTPOST_<NAME> }`, with a
// comment saying how to set that variable. Exit 0 ok, 2 when the text is not that profile's command
// (one line per problem), 1 on other failures.
import type { Command } from 'commander';
import YAML from 'yaml';
import { OutpostError } from '../../core/errors';
import { secrets } from '../../core/secrets/registry';
import { OutpostService, type ConsoleCommandResult, type Profile } from '../../core/service';
import { cliContext } from '../context';
import { EXIT } from '../exit';

export interface ImportCommandOptions {
  profile: string;
  os?: string;
  mode?: string;
  profiles?: string;
}

interface Out {
  write(s: string): unknown;
}

const OSES = ['linux', 'windows'] as const;
const MODES = ['direct', 'jump', 'vpcep'] as const;

export function registerImportCommandCommand(program: Command): void {
  program
    .command('import-command')
    .description("Read a vendor console's install command from stdin and print an answers file for it (secrets as environment variable references).")
    .requiredOption('--profile <id>', 'the agent profile whose console command this is, e.g. icagent')
    .option('--os <os>', 'linux or windows (default: linux)')
    .option('--mode <mode>', 'how the targets reach the cloud: direct (default), jump or vpcep')
    .option('--profiles <dir>', 'your profiles folder (default: <data folder>/profiles)')
    .action(async (opts: ImportCommandOptions) => {
      if (process.stdin.isTTY) process.stderr.write('Paste the command from the console, then press Ctrl-D (Ctrl-Z Enter on Windows).\n');
      const text = await readAll(process.stdin);
      process.exitCode = runImportCommand(text, opts, process.stdout, process.stderr);
    });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  return Buffer.concat(chunks).toString('utf8');
}

/** `OUTPOST_AK` for `ak`, `OUTPOST_API_KEY` for `apiKey`. */
export function envNameFor(input: string): string {
  return `OUTPOST_${input.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

export function runImportCommand(text: string, opts: ImportCommandOptions, stdout: Out, stderr: Out): number {
  const os = opts.os ?? 'linux';
  const mode = opts.mode ?? 'direct';
  const bad: string[] = [];
  if (!(OSES as readonly string[]).includes(os)) bad.push(`--os: ${JSON.stringify(os)} is not linux or windows`);
  if (!(MODES as readonly string[]).includes(mode)) bad.push(`--mode: ${JSON.stringify(mode)} is not direct, jump or vpcep`);
  if (!text.trim()) bad.push('nothing was read on stdin: paste the command from the console (or redirect a file with < file)');
  if (bad.length) {
    for (const b of bad) stderr.write(`outpost import-command: ${b}\n`);
    return EXIT.invalid;
  }
  try {
    const service = new OutpostService(cliContext('browser'), { profilesDir: opts.profiles });
    const loaded = service.profiles().profiles.find((l) => l.profile.id === opts.profile);
    const r = service.importCommand(opts.profile, os as (typeof OSES)[number], text);
    // The pasted values are secrets from here on: anything printed goes through the redactor.
    for (const v of Object.values(r.secrets)) secrets.add(v);
    if (r.problems.length || !loaded) {
      for (const p of r.problems) stderr.write(`outpost import-command: ${secrets.redact(p)}\n`);
      return EXIT.invalid;
    }
    stdout.write(secrets.redact(answersYaml(loaded.profile, os as (typeof OSES)[number], mode as (typeof MODES)[number], r)));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof OutpostError) {
      stderr.write(`outpost import-command: ${secrets.redact(err.message)}${err.hint ? `\n  ${err.hint}` : ''}\n`);
      return err.code === 'profile_unknown' ? EXIT.invalid : EXIT.failed;
    }
    stderr.write(`outpost import-command: ${secrets.redact(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT.failed;
  }
}

/** One YAML value on one line (flow style), quoted when it needs to be. */
const flow = (v: unknown) => YAML.stringify(v, { collectionStyle: 'flow', lineWidth: 0 }).trimEnd();

/** The flag (or environment assignment) of the console command that carries `target`. */
function carrier(profile: Profile, os: 'linux' | 'windows', target: string): string {
  const cc = profile.consoleCommand?.[os];
  const flag = Object.entries(cc?.flags ?? {}).find(([, t]) => t === target)?.[0];
  if (flag) return flag;
  const env = Object.entries(cc?.env ?? {}).find(([, t]) => t === target)?.[0];
  return env ? `${env}=` : target;
}

export function answersYaml(profile: Profile, os: 'linux' | 'windows', mode: 'direct' | 'jump' | 'vpcep', r: ConsoleCommandResult): string {
  const out: string[] = [];
  out.push(`# Answers for ${profile.name} (${os}), read from the command pasted from the console.`);
  out.push('# Check them, add your targets, then: outpost plan THIS_FILE');
  const secretNames = Object.keys(r.secrets);
  if (secretNames.length) {
    out.push('# The secrets are not in this file. Set each one in the shell that runs outpost (the value is not echoed):');
    for (const name of secretNames) {
      const env = envNameFor(name);
      out.push(`# before outpost run: read -rs ${env} && export ${env}   (the ${carrier(profile, os, name)} value of the pasted command)`);
    }
  }
  out.push(`profile: ${flow(profile.id)}`);
  out.push(`os: ${os}`);
  if (r.region) out.push(`region: ${flow(r.region)}`);
  else if (profile.regions) out.push('# region: the region id, e.g. cn-north-4   (required: the command did not say)');
  out.push('connectivity:');
  const dc = r.dc ? [`  dc: ${flow(r.dc)}`] : [];
  if (mode === 'direct') {
    out.push('  mode: direct');
    if (r.accessIp) out.push(`  accessIp: ${flow(r.accessIp)}   # the ${carrier(profile, os, 'accessIp')} of the pasted command`);
    else out.push('  # accessIp: the address agents report to   (required: the command did not say)');
    out.push(...dc);
    out.push('  # Through jump servers instead: outpost import-command --mode jump (or mode: jump with jumpServers, elbIp and');
    out.push('  # connectionIp; see resources/ANSWERS.md). Through a VPC endpoint: --mode vpcep (mode: vpcep with vpcepDomain).');
  } else if (mode === 'jump') {
    out.push('  mode: jump');
    if (r.accessIp) out.push(`  connectionIp: ${flow(r.accessIp)}   # the ${carrier(profile, os, 'accessIp')} of the pasted command: what agents connect to`);
    else out.push('  # connectionIp: what agents connect to (the jump server or its load balancer)   (required)');
    out.push('  # elbIp: the ELB address the console shows   (required)');
    out.push('  # jumpServers:   (required)');
    out.push('  #   - privateIp: 192.168.0.10');
    out.push('  #     ssh: { host: 192.168.0.10, user: root, password: { env: JUMP_PASSWORD } }');
    out.push(...dc);
  } else {
    out.push('  mode: vpcep');
    out.push('  # vpcepDomain: the VPC endpoint domain   (required)');
    if (r.accessIp) out.push(`  accessIp: ${flow(r.accessIp)}   # the ${carrier(profile, os, 'accessIp')} of the pasted command`);
    out.push(...dc);
  }
  out.push('inputs:');
  for (const i of profile.inputs) {
    if (i.name in r.secrets) out.push(`  ${i.name}: { env: ${envNameFor(i.name)} }`);
    else if (r.inputs[i.name] !== undefined) out.push(`  ${i.name}: ${flow(r.inputs[i.name])}`);
  }
  out.push('# The hosts to install on, e.g.');
  out.push('#   - { host: 10.0.0.5, user: root, privateKey: { path: ~/.ssh/id_ed25519 } }');
  out.push('targets: []');
  return `${out.join('\n')}\n`;
}
