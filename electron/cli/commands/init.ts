// `outpost init [--profile ID] [--os linux|windows] [--mode jump|vpcep|direct]`: a commented answers
// file to start from, written from the profile's own declarations (every input with its help, secrets
// as `{ env: OUTPOST_… }` references). Printed to stdout, or written with --out (never overwriting).
import fs from 'node:fs';
import type { Command } from 'commander';
import type { ProfileSummary } from '../../common/api/plan';
import { OutpostService } from '../../core/service';
import { cliContext } from '../context';
import { EXIT } from '../exit';

export interface InitOptions {
  profile?: string;
  os?: string;
  mode?: string;
  out?: string;
  profiles?: string;
}

const envName = (name: string) => `OUTPOST_${name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase()}`;

/** The commented YAML for a profile; every line a user must change says so. */
export function initAnswers(p: ProfileSummary, os: 'linux' | 'windows', mode: 'jump' | 'bastion' | 'vpcep' | 'direct'): string {
  const out: string[] = [
    `# Outpost answers for ${p.name} (${p.id}). Format: resources/ANSWERS.md; check with: outpost plan THIS_FILE`,
    `# Secrets are never written here: they are read from the environment variables named below.`,
    `profile: ${p.id}`,
    `os: ${os}`,
  ];
  if (p.regions) out.push('region: cn-north-4            # CHANGE: your region id');
  if (mode === 'jump' && p.ports.some((x) => x.direction === 'remote')) {
    // Remote forwards (ssh -R): a proxy that reaches the destination runs the tunnel into the jump server.
    out.push(
      'connectivity:',
      '  mode: jump',
      '  jumpServers:',
      '    - privateIp: 172.31.25.194  # CHANGE: the jump server\'s address in the hosts\' network (the forward listens there)',
      '      ssh: { host: 203.0.113.10, port: 22, user: root, password: { env: OUTPOST_JUMP_PASSWORD } }   # CHANGE',
      '      proxy:   # CHANGE: the host that reaches the destination and runs ssh -R into the jump server',
      '        ssh: { host: 10.0.0.5, port: 22, user: root, password: { env: OUTPOST_PROXY_PASSWORD } }',
      '  elbIp: 10.0.0.20             # CHANGE: the forwards\' destination (e.g. the database the agents write to)',
      '  connectionIp: 172.31.25.194  # CHANGE: the address agents connect to (the jump server\'s privateIp)',
      '  tunnel: persistent           # or vendor: the one-off ssh -f -N -R …',
    );
  } else if (mode === 'jump') {
    out.push(
      'connectivity:',
      '  mode: jump',
      '  jumpServers:',
      '    - privateIp: 192.168.0.10   # CHANGE: the jump server\'s private IP',
      '      ssh: { host: 203.0.113.10, port: 22, user: root, password: { env: OUTPOST_JUMP_PASSWORD } }   # CHANGE',
      '  elbIp: 100.125.12.150        # CHANGE: the address the console shows for the load balancer',
      '  connectionIp: 192.168.0.10   # CHANGE: the address agents connect to (usually the jump server)',
      '  tunnel: persistent           # or vendor: the console\'s one-off ssh -f -N -L …',
    );
  } else if (mode === 'bastion') {
    out.push(
      'connectivity:',
      '  mode: bastion                # SSH to the targets through the jump server; nothing forwarded',
      '  jumpServers:',
      '    - ssh: { host: 203.0.113.10, port: 22, user: root, password: { env: OUTPOST_JUMP_PASSWORD } }   # CHANGE',
    );
  } else if (mode === 'vpcep') {
    out.push('connectivity:', '  mode: vpcep', '  vpcepDomain: example.vpcep.example.com   # CHANGE: the VPC endpoint\'s domain');
  } else {
    out.push('connectivity:', '  mode: direct', '  accessIp: 100.125.4.25        # CHANGE: the address agents report to');
  }
  const inputs = p.inputs.filter((i) => !i.os || i.os.includes(os));
  // Only commented (optional) inputs would leave `inputs:` empty, which YAML reads as null.
  if (inputs.length) out.push(inputs.some((i) => i.required) ? 'inputs:' : 'inputs: {}   # to give some, delete {} and uncomment lines below');
  for (const i of inputs) {
    const help = (i.label.en ?? i.name) + (i.help.en ? ` — ${i.help.en}` : '');
    const note = `${i.required ? 'required' : 'optional'}: ${help}`.replace(/\s+/g, ' ');
    let value: string;
    if (i.type === 'secret') value = `{ env: ${envName(i.name)} }`;
    else if (i.type === 'boolean') value = String(i.default ?? false);
    else if (i.type === 'list') value = '[]';
    else if (i.default !== undefined) value = i.type === 'port' ? String(i.default) : JSON.stringify(String(i.default));
    else value = i.choices?.[0] !== undefined ? JSON.stringify(i.choices[0]) : '""';
    out.push(`  ${i.required ? '' : '# '}${i.name}: ${value}   # ${note}${i.required && i.type !== 'secret' ? ' (CHANGE)' : ''}`);
  }
  if (os === 'windows') out.push('targets: []', 'thisComputer: true            # the target steps run on this computer');
  else out.push('targets:', '  - { host: 10.1.0.21, port: 22, user: root, password: { env: OUTPOST_TARGET_PASSWORD } }   # CHANGE (or privateKey: { path: ~/.ssh/id_ed25519 }, or agent: true)');
  return `${out.join('\n')}\n`;
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('Print a commented answers file to start from, written from the profile (secrets as environment references).')
    .option('--profile <id>', 'agent profile (default: the recommended one; see outpost profile list)')
    .option('--os <os>', 'linux or windows (default: the profile\'s first)')
    .option('--mode <mode>', 'jump, vpcep or direct (default: the profile\'s first)')
    .option('--out <file>', 'write it to this file (refused if it exists) instead of stdout')
    .option('--profiles <dir>', 'your profiles folder (default: <data folder>/profiles)')
    .action((opts: InitOptions) => {
      process.exitCode = runInit(opts, process.stdout, process.stderr);
    });
}

export function runInit(opts: InitOptions, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): number {
  const service = new OutpostService(cliContext('browser'), { profilesDir: opts.profiles });
  const all = service.profileSummaries().profiles;
  const p = opts.profile ? all.find((x) => x.id === opts.profile) : (all.find((x) => x.recommended) ?? all[0]);
  if (!p) {
    stderr.write(`--profile: there is no profile ${opts.profile ?? ''} (profiles: ${all.map((x) => x.id).join(', ')})\n`);
    return EXIT.invalid;
  }
  const os = (opts.os ?? p.os[0]) as 'linux' | 'windows';
  if (!p.os.includes(os)) {
    stderr.write(`--os: ${p.id} installs on ${p.os.join(' or ')}, not ${opts.os}\n`);
    return EXIT.invalid;
  }
  const mode = (opts.mode ?? p.connectivity[0]) as 'jump' | 'bastion' | 'vpcep' | 'direct';
  if (!p.connectivity.includes(mode)) {
    stderr.write(`--mode: ${p.id} supports ${p.connectivity.join(', ')}, not ${opts.mode}\n`);
    return EXIT.invalid;
  }
  const text = initAnswers(p, os, mode);
  if (!opts.out) {
    stdout.write(text);
    return EXIT.ok;
  }
  try {
    fs.writeFileSync(opts.out, text, { flag: 'wx' });
  } catch {
    stderr.write(`--out: ${opts.out} exists or cannot be written (init never overwrites a file)\n`);
    return EXIT.invalid;
  }
  stderr.write(`Wrote ${opts.out}: change the lines marked CHANGE, set the environment variables it names, then: outpost plan ${opts.out}\n`);
  return EXIT.ok;
}
