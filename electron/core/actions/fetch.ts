// fetch: an installer fetched on this computer (a step on `local`) over HTTPS, the certificate checked,
// into Outpost's private download cache; its path and SHA-256 become run facts (`<fact>.path`,
// `<fact>.sha256`) that an `upload` step with `fromFact` sends to each target (checked there). In a
// playbook: `ansible.builtin.uri` on the controller (validate_certs, no redirects followed), then its
// size and SHA-256 checked; the upload copies that file.
import path from 'node:path';
import { OutpostError } from '../errors';
import { httpsFetch } from '../packages/https-fetch';
import { appVersion } from '../version';
import { text } from './ansible-kit';
import { escapeLiteral, jstr } from './jinja';
import type { ActionModule } from './types';

const mib = (n: number) => `${Math.round(n / 1048576)} MiB`;

/** Where the playbook keeps a fetched file (beside site.yml): named after the fact, so the upload finds it. */
export const exportedFetchPath = (fact: string) => `{{ playbook_dir }}/downloads/${fact}`;

export const fetchAction: ActionModule<'fetch'> = {
  kind: 'fetch',
  validate(a) {
    const out: string[] = [];
    if (!/^https:\/\/[^\s]+$/.test(a.url)) out.push(`url: ${a.url} is not an https:// address (an installer is fetched over HTTPS only)`);
    if (a.sha256 !== null && !/^[0-9a-f]{64}$/i.test(a.sha256)) out.push('sha256: is not 64 hexadecimal digits');
    return out;
  },
  display: (a) =>
    `fetch ${a.url} on this computer over HTTPS (the server's certificate checked; redirects to https only; at most ${mib(a.maxBytes)} within ${a.timeoutSec} s${a.sha256 ? `; SHA-256 ${a.sha256} checked` : ''}) into Outpost's private download cache; the targets receive this copy over SSH`,
  async run(a, c) {
    if (!c.cacheDir) throw new OutpostError('internal', 'The run has no download folder on this computer.', 'This is a bug in Outpost: the journal has the details.');
    const got = await httpsFetch(a.url, path.join(c.cacheDir, 'downloads'), a.file, a.sha256, {
      maxBytes: a.maxBytes,
      timeoutMs: a.timeoutSec * 1000,
      signal: c.signal,
      hint: a.hint,
      userAgent: `Outpost/${appVersion()}`,
      onProgress: (done, total) => c.progress(done, total),
    });
    c.facts[`${a.fact}.path`] = got.path;
    c.facts[`${a.fact}.sha256`] = got.sha256;
    const message = `${got.url} fetched over HTTPS, certificate checked (${got.bytes} bytes, SHA-256 ${got.sha256}${a.sha256 ? ', as expected' : ''})`;
    c.say(message);
    return { message };
  },
  ansible(a, c) {
    const dest = exportedFetchPath(a.fact);
    const local = { delegate_to: 'localhost', run_once: true };
    const that = [`${c.reg}.stat.exists`, `${c.reg}.stat.size <= ${a.maxBytes}`, ...(a.sha256 ? [`${c.reg}.stat.checksum == ${jstr(a.sha256.toLowerCase())}`] : [])];
    return [
      { name: text(`${c.step.id} (private folder on this computer)`), 'ansible.builtin.file': { path: '{{ playbook_dir }}/downloads', state: 'directory', mode: '0700' }, ...local },
      // uri keeps an existing file (If-Modified-Since): start from none.
      { name: text(`${c.step.id} (no earlier copy)`), 'ansible.builtin.file': { path: dest, state: 'absent' }, ...local },
      {
        name: text(c.title),
        'ansible.builtin.uri': { url: escapeLiteral(a.url), dest, validate_certs: true, follow_redirects: 'none', status_code: [200], timeout: a.timeoutSec, mode: '0600' },
        ...local,
      },
      { name: text(`${c.step.id} (size and SHA-256)`), 'ansible.builtin.stat': { path: dest, checksum_algorithm: 'sha256', get_checksum: true }, register: c.reg, ...local },
      {
        name: text(`${c.step.id} (result)`),
        'ansible.builtin.assert': {
          that,
          fail_msg: `${escapeLiteral(a.url)} gave {{ ${c.reg}.stat.size | default(0) }} bytes with SHA-256 {{ ${c.reg}.stat.checksum | default('') }}${a.sha256 ? `, expected ${a.sha256.toLowerCase()}` : ''} (at most ${a.maxBytes} bytes). Nothing was sent.`,
          success_msg: `${escapeLiteral(a.url)} fetched over HTTPS, certificate checked (SHA-256 {{ ${c.reg}.stat.checksum }})`,
          quiet: false,
        },
        ...local,
      },
    ];
  },
};
