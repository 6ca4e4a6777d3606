// `outpost profile new ID [--from blank|<shipped id>] [--out FILE]`: a starter profile that passes
// `outpost profile check` as written, commented where a person changes it (blank), or a shipped
// profile's copy under a new id to adapt. Never overwrites a file.
import fs from 'node:fs';
import path from 'node:path';
import { loadProfiles, parseProfile, profileDirs } from '../../core/service';
import { EXIT } from '../exit';

interface Out {
  write(s: string): unknown;
}

/** The blank starter: every part a first profile needs, each said in a comment. `{schema}` and `{id}` are filled in. */
export const BLANK_PROFILE = `# An Outpost agent profile: the whole description of an agent (resources/PROFILES.md).
# Check it as you change it: outpost profile check THIS_FILE
$schema: {schema}
schema: 2
id: {id}                      # lower-case letters, digits and -; answers name it in profile:
name: My agent                # CHANGE: one line, shown everywhere
description: What the agent does, in one sentence.
os: [linux]
connectivity: [direct, bastion]   # jump also needs ports: (forwarded through the jump server)

inputs:                       # what the wizard asks; answers give them under inputs:
  - name: apiKey
    type: secret              # never written in answers: { env: OUTPOST_APIKEY }; only ever a { secret: apiKey } piece
    required: true
    pattern: '^[A-Za-z0-9]{16,64}$'
    patternHint: 16 to 64 letters and digits
    label: API key

# hostInputs:                 # per-host values: extra columns of the host list, {host.<name>}
#   - { name: agentPort, type: port }

linux:
  shell: bash
  installDir: /opt/my-agent   # {installDir}; answers may move it (options.installDir)
  preflight:
    minFreeMiB: 50
    tools: [[curl], [tar]]
  steps:
    - id: config
      phase: install
      title: "Write the configuration of {agent} on {host.name}"
      action:
        writeFile:            # unchanged content: the step is skipped on a rerun
          path: "{installDir}/agent.env"
          mode: 0o600
          content: ["API_KEY=", { secret: apiKey }, "\\n"]
    - id: install
      phase: install
      title: "Install {agent}"
      guard: verify           # skipped when the verify probes already pass
      action:
        exec:
          # One word per item, quoted by Outpost; shell syntax only as { op: "…" } (not templated).
          script: [echo, "installing {agent} in {installDir}", { op: "&&" }, test, -s, "{installDir}/agent.env"]
          success: ["installing"]
          exitCode: 0
  verify:
    - { command: { name: configured, script: [test, -s, "{installDir}/agent.env"], exitCode: 0 } }
`;

export function runProfileNew(id: string, opts: { from?: string; out?: string }, resourcesDir: string, stdout: Out, stderr: Out): number {
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(id)) {
    stderr.write(`outpost profile new: "${id.replace(/[^\x20-\x7e]/g, '?')}" is not a profile id (lower-case letters, digits and -)\n`);
    return EXIT.invalid;
  }
  const out = path.resolve(opts.out ?? `${id}.yaml`);
  if (fs.existsSync(out)) {
    stderr.write(`outpost profile new: ${out} exists; give another --out (nothing was written)\n`);
    return EXIT.invalid;
  }
  const schema = path.relative(path.dirname(out), path.join(resourcesDir, 'profile.schema.json'));
  let text: string;
  const from = opts.from ?? 'blank';
  if (from === 'blank') text = BLANK_PROFILE.replace('{schema}', schema).replace('{id}', id);
  else {
    const shipped = loadProfiles(profileDirs(resourcesDir, '').shipped).profiles.find((l) => l.profile.id === from);
    if (!shipped) {
      stderr.write(`outpost profile new: --from ${from}: no shipped profile has that id (blank, or one of: ${loadProfiles(profileDirs(resourcesDir, '').shipped).profiles.map((l) => l.profile.id).join(', ')})\n`);
      return EXIT.invalid;
    }
    // The shipped text with its comments, under the new id (a profile of its own, not a replacement).
    text = fs
      .readFileSync(shipped.file, 'utf8')
      .replace(/^\$schema:.*$/m, `$schema: ${schema}`)
      .replace(/^id:.*$/m, `id: ${id}                      # copied from ${from} by outpost profile new`)
      .replace(/^replaces:.*\n/m, '');
  }
  const r = parseProfile(text, out);
  if ('problems' in r) {
    stderr.write(`outpost profile new: the starter does not pass the check (a bug):\n${r.problems.join('\n')}\n`);
    return EXIT.invalid;
  }
  fs.writeFileSync(out, text, { flag: 'wx' });
  stdout.write(`wrote ${out}${from === 'blank' ? '' : ` (a copy of ${from})`}: change it, then outpost profile check ${path.relative(process.cwd(), out) || out}\n`);
  return EXIT.ok;
}
