import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { expandAddress, formatProblems, type HostEntry, parseHostList } from '../../../electron/core/hosts/parse';

const defaults = { user: 'root', port: 22 };
const parse = (text: string, format: 'iplist' | 'csv' | 'auto' = 'auto') => parseHostList(text, { format, defaults });
const messages = (text: string, format: 'iplist' | 'csv' | 'auto' = 'auto') => formatProblems('hosts', parse(text, format).problems);

describe('iplist.cfg (Huawei: "IP [password]" per line)', () => {
  it("reads the seed's example: a password per host, or the default password asked once", () => {
    const r = parse('192.168.0.1 password1\n192.168.0.2\n');
    expect(r.format).toBe('iplist');
    expect(r.problems).toEqual([]);
    expect(r.hosts).toEqual([
      { host: '192.168.0.1', port: 22, user: 'root', password: 'password1', line: 1 },
      { host: '192.168.0.2', port: 22, user: 'root', usesDefaultPassword: true, line: 2 },
    ]);
  });

  it('skips blank lines and # comments, takes tabs and CRLF, keeps # inside a password', () => {
    const r = parse('# hosts for ICAgent\r\n\r\n  192.168.0.109\tHw@#123  \r\n# 10.0.0.1 old\r\n192.168.0.39\r\n');
    expect(r.problems).toEqual([]);
    expect(r.hosts.map((h) => [h.host, h.password, h.line])).toEqual([
      ['192.168.0.109', 'Hw@#123', 3],
      ['192.168.0.39', undefined, 5],
    ]);
  });

  it('takes IPv6 addresses (compressed) and hostnames', () => {
    const r = parse('2001:DB8:0:0::1 pw!\n[fe80::1]\nweb-01.example.com\nlocalhost.\n');
    expect(r.problems).toEqual([]);
    expect(r.hosts.map((h) => h.host)).toEqual(['2001:db8::1', 'fe80::1', 'web-01.example.com', 'localhost']);
  });

  it('reports bad lines with their line numbers, never quoting a password', () => {
    expect(messages('192.168.0.1 pass word\n192.168.0.300 S3cret!\n1.2.3.4.5\nHuawei@123\n-bad-.host\n')).toEqual([
      'hosts:1: has 3 fields; expected an address and at most one password, separated by a space',
      'hosts:2: "192.168.0.300" is not an IPv4 address',
      'hosts:3: "1.2.3.4.5" is not an IPv4 address',
      'hosts:4: the address is not an IP address, range, CIDR block or hostname',
      'hosts:5: the address is not an IP address, range, CIDR block or hostname',
    ]);
    expect(messages('s3cretpw 192.168.0.1\n')).toEqual(['hosts:1: the password looks like an IP address: are the address and the password swapped?']);
  });
});

describe('ranges and CIDR blocks', () => {
  it('expands last-octet and full ranges, and CIDR blocks without network and broadcast', () => {
    const r = parse('192.168.0.10-12 pw1!\n10.1.0.254-10.1.1.1\n10.0.0.0/30\n10.0.1.0/31\n10.0.2.7/32\n');
    expect(r.problems).toEqual([]);
    expect(r.hosts.map((h) => `${h.host} ${h.password ?? '-'} ${h.line}`)).toEqual([
      '192.168.0.10 pw1! 1',
      '192.168.0.11 pw1! 1',
      '192.168.0.12 pw1! 1',
      '10.1.0.254 - 2',
      '10.1.0.255 - 2',
      '10.1.1.0 - 2',
      '10.1.1.1 - 2',
      '10.0.0.1 - 3',
      '10.0.0.2 - 3',
      '10.0.1.0 - 4',
      '10.0.1.1 - 4',
      '10.0.2.7 - 5',
    ]);
    const hosts28 = expandAddress('10.0.0.0/28');
    expect(hosts28.ok && [hosts28.hosts.length, hosts28.hosts[0], hosts28.hosts.at(-1)]).toEqual([14, '10.0.0.1', '10.0.0.14']);
    const r16 = expandAddress('172.16.0.0/16');
    expect(r16.ok && r16.hosts.length).toBe(65_534);
  });

  it('reports ranges that are wrong or too large', () => {
    expect(messages('192.168.0.20-10\n192.168.0.1-300\n10.0.0.5/28\n10.0.0.0/33\n2001:db8::/64\n0.0.0.0/0\n10.0.0.0-10.2.0.0\n')).toEqual([
      'hosts:1: range "192.168.0.20-10" ends before it starts',
      'hosts:2: "192.168.0.1-300" is not an address range (like 192.168.0.10-20 or 192.168.0.10-192.168.0.20)',
      'hosts:3: "10.0.0.5/28" is not a network address (did you mean 10.0.0.0/28?)',
      'hosts:4: "10.0.0.0/33" is not an IPv4 CIDR block (like 10.0.0.0/28)',
      'hosts:5: "2001:db8::/64": IPv6 blocks are not expanded; list IPv6 addresses one per line',
      'hosts:6: "0.0.0.0/0" names 4,294,967,294 hosts, more than the 65,536 one line may name',
      'hosts:7: "10.0.0.0-10.2.0.0" names 131,073 hosts, more than the 65,536 one line may name',
    ]);
    expect(parseHostList('10.0.0.0/24\n10.0.1.0/24\n', { defaults, maxTotal: 300 }).problems).toEqual([{ line: 2, message: 'the list names more than 300 hosts' }]);
  });

  it('reports duplicates (same host and port, after expansion) on the later line', () => {
    expect(messages('192.168.0.5\n192.168.0.1-10 pw!\n10.0.0.1\n10.0.0.1 other!\nWEB.example.com\nweb.example.com\n2001:db8::1\n2001:DB8:0::1\n')).toEqual([
      'hosts:2: 192.168.0.5:22 is already listed on line 1',
      'hosts:4: 10.0.0.1:22 is already listed on line 3',
      'hosts:6: web.example.com:22 is already listed on line 5',
      'hosts:8: [2001:db8::1]:22 is already listed on line 7',
    ]);
    expect(messages('192.168.0.1-5\n192.168.0.0/29\n')).toEqual(['hosts:2: 192.168.0.1:22 is already listed on line 1 (and 4 more hosts of this line)']);
    // The rest of a range with duplicates is kept; the caller runs nothing while problems exist anyway.
    expect(parse('192.168.0.1\n192.168.0.1-2\n').hosts.map((h) => h.host)).toEqual(['192.168.0.1', '192.168.0.2']);
  });
});

describe('CSV with a header row', () => {
  it('reads any column order, case-insensitive headers, quoting, defaults for empty cells', () => {
    const csv = [
      'Name,HOST,User,Port,Password,privateKey,jump',
      'db,10.0.0.1,admin,2222,"pa,ss ""quoted""",,0',
      ',10.0.0.2,,,,/home/me/.ssh/id_ed25519,bastion-a',
      '# a comment line',
      '',
      'web,10.0.0.3,root,22,"two',
      'lines",,',
      ',10.0.0.4,,,,,',
    ].join('\n');
    const r = parse(csv);
    expect(r.format).toBe('csv');
    expect(r.problems).toEqual([]);
    expect(r.hosts).toEqual<HostEntry[]>([
      { host: '10.0.0.1', port: 2222, user: 'admin', name: 'db', password: 'pa,ss "quoted"', jump: 0, line: 2 },
      { host: '10.0.0.2', port: 22, user: 'root', privateKey: '/home/me/.ssh/id_ed25519', jump: 'bastion-a', line: 3 },
      { host: '10.0.0.3', port: 22, user: 'root', name: 'web', password: 'two\nlines', line: 6 },
      { host: '10.0.0.4', port: 22, user: 'root', usesDefaultPassword: true, line: 8 },
    ]);
  });

  it('reports bad cells and rows with line numbers, never quoting a password', () => {
    const csv = [
      'host,port,user,password',
      '10.0.0.1,99999,root,Secret#1!',
      '10.0.0.2,22,bad user,Secret#2!',
      '10.0.0.3,22,root',
      '10.0.0.4,22,root,Sec"ret#3!',
      '10.0.0.5,abc,root,Secret#4!',
      '10.0.0.6,22,root,"Secret#5!',
      '10.0.0.7,22,root,x',
    ].join('\n');
    const lines = messages(csv);
    expect(lines).toEqual([
      'hosts:2: the port (column 2) is not a TCP port (1-65535)',
      'hosts:3: the user (column 3) is not a user name (no spaces, at most 64 characters)',
      'hosts:4: has 3 fields; the header has 4',
      'hosts:5: a field has a " that does not start it: quote the whole field, and double the quotes inside it ("")',
      'hosts:6: the port (column 2) is not a TCP port (1-65535)',
      'hosts:7: a quoted field is not closed (a " is missing); the rest of the file was not read',
    ]);
    for (const pw of ['Secret#1!', 'Secret#2!', 'Sec"ret#3!', 'Sec', 'Secret#4!', 'Secret#5!']) expect(lines.join('\n')).not.toContain(pw);
  });

  it('reports a bad header and reads no rows', () => {
    expect(messages('host,port,login,password,host\n10.0.0.1,22,root,x\n')).toEqual(['hosts:1: column 3 "login" is not one of host, port, user, password, privateKey, name, jump', 'hosts:1: column "host" appears twice in the header']);
    expect(messages('ip,port\n10.0.0.1,22\n', 'csv')).toEqual(['hosts:1: column 1 "ip" is not one of host, port, user, password, privateKey, name, jump', 'hosts:1: the header has no "host" column (expected a header like host,port,user,password)']);
    expect(parse('host,private_key\n10.0.0.1,/k\n').hosts[0]?.privateKey).toBe('/k');
  });

  it('names: one host each, no name twice', () => {
    expect(messages('host,name\n10.0.0.0/30,pool\n10.0.1.1,a\n10.0.1.2,a\n')).toEqual(['hosts:2: a name is for one host, and this line names 2 hosts', 'hosts:4: the name (column 2) is the same as on line 3: each host has its own']);
  });

  it('never shows a cell that may be a password one column off: a password in the port, user, name or host column', () => {
    const csv = ['host,port,user,password,name', '10.0.0.1,Huawei_123,root,,', '10.0.0.2,123456,root,,', '10.0.0.3,22,P4ss.w0rd,,', '10.0.0.4,22,root,,Secret_Name9', '10.0.0.5,22,root,,Secret_Name9', 'Pass_word-1,22,root,,', '9876543210,22,root,,'].join('\n');
    const lines = messages(csv);
    expect(lines).toEqual([
      'hosts:2: the port (column 2) is not a TCP port (1-65535)',
      'hosts:3: the port (column 2) is not a TCP port (1-65535)',
      'hosts:6: the name (column 5) is the same as on line 5: each host has its own',
      'hosts:7: the host (column 1) is not an IP address, range, CIDR block or hostname',
      'hosts:8: the host (column 1) is not an IPv4 address',
    ]);
    for (const secret of ['Huawei_123', '123456', 'Secret_Name9', 'Pass_word-1', '9876543210']) expect(lines.join('\n')).not.toContain(secret);
    // P4ss.w0rd is a valid user name: nothing to report, and nothing shows it.
    expect(parse(csv).hosts.find((h) => h.host === '10.0.0.3')?.user).toBe('P4ss.w0rd');
  });

  it('names are one line of printable characters: escapes, line breaks and bidi overrides are refused, shown as visible characters', () => {
    const csv = ['host,name', '10.0.0.1,"web\x1b[1A\x1b[2K✔ done"', '10.0.0.2,"two', 'lines"', '10.0.0.3,evil\u202egnp.exe', '10.0.0.4,日本語 🇯🇵 web-1', '10.0.0.5,tab\there'].join('\n');
    expect(messages(csv)).toEqual([
      'hosts:2: the name (column 2) has a control character (␛ at character 4): it must be one line of printable characters',
      'hosts:3: the name (column 2) has a line break (␊ at character 4): it must be one line of printable characters',
      'hosts:5: the name (column 2) has a control character (\\u202e at character 5): it must be one line of printable characters',
      'hosts:7: the name (column 2) has a tab (␉ at character 4): it must be one line of printable characters',
    ]);
    expect(parse(csv).hosts.map((h) => h.name)).toEqual(['日本語 🇯🇵 web-1']);
  });
});

// ------------------------------------------------------------------------------------- properties

/** Passwords as real ones look: at least one character that no problem message ever contains. */
const password = fc
  .tuple(fc.string({ minLength: 4, maxLength: 16, unit: fc.constantFrom(...'abcXYZ019_.-,"# '.split('')) }), fc.constantFrom('!', '@', '$', '^', '&', '*', '~'), fc.string({ maxLength: 4, unit: fc.constantFrom(...'kQ7!@'.split('')) }))
  .map(([a, b, c]) => a + b + c);
const host = fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain());
const canonical = (h: string) => (h.includes(':') ? ipaddr.parse(h).toString() : h.replace(/\.$/, ''));

interface Spec {
  host: string;
  port: number;
  user: string;
  password?: string;
  name?: string;
  jump?: number;
}
const spec: fc.Arbitrary<Spec> = fc.record(
  {
    host,
    port: fc.integer({ min: 1, max: 65535 }),
    user: fc.constantFrom('root', 'admin', 'ubuntu', 'svc-agent', 'CORP\\ops'),
    password,
    jump: fc.nat({ max: 9 }),
  },
  { requiredKeys: ['host', 'port', 'user'] },
);
const uniqueSpecs = fc.uniqueArray(spec, { minLength: 1, maxLength: 20, selector: (s) => `${canonical(s.host).toLowerCase()}|${s.port}` });

const csvCell = (v: string) => (/[",\n#]|^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

describe('properties', { timeout: 30_000 }, () => {
  it('a valid CSV list round-trips', () => {
    fc.assert(
      fc.property(uniqueSpecs, fc.boolean(), (specs, crlf) => {
        const named = specs.map((s, i) => ({ ...s, name: i % 2 ? `host ${i}` : undefined }));
        const text = ['host,port,user,password,name,jump', ...named.map((s) => [s.host, String(s.port), s.user, s.password ?? '', s.name ?? '', s.jump === undefined ? '' : String(s.jump)].map(csvCell).join(','))].join(crlf ? '\r\n' : '\n');
        const r = parse(text);
        expect(r.problems).toEqual([]);
        expect(r.hosts).toEqual(
          named.map((s, i) => ({
            host: canonical(s.host),
            port: s.port,
            user: s.user,
            line: i + 2,
            ...(s.name !== undefined ? { name: s.name } : {}),
            ...(s.jump !== undefined ? { jump: s.jump } : {}),
            ...(s.password !== undefined ? { password: s.password } : { usesDefaultPassword: true }),
          })),
        );
      }),
      { numRuns: 200 },
    );
  });

  it('a valid iplist.cfg round-trips', () => {
    const noSpace = password.map((p) => p.replace(/\s/g, '_'));
    const item = fc.record({ host, password: noSpace }, { requiredKeys: ['host'] });
    fc.assert(
      fc.property(fc.uniqueArray(item, { minLength: 1, maxLength: 20, selector: (s) => canonical(s.host).toLowerCase() }), (items) => {
        const text = items.map((s) => (s.password ? `${s.host} ${s.password}` : s.host)).join('\n');
        const r = parse(text, 'iplist');
        expect(r.problems).toEqual([]);
        expect(r.hosts).toEqual(items.map((s, i) => ({ host: canonical(s.host), port: 22, user: 'root', line: i + 1, ...(s.password ? { password: s.password } : { usesDefaultPassword: true }) })));
      }),
      { numRuns: 200 },
    );
  });

  it('no password ever appears in a problem message, whatever the lines around it', () => {
    const junk = fc.string({ maxLength: 20, unit: fc.constantFrom(...'0123456789.:/-[]abcxyz_% ,"#\t'.split('')) });
    const line = fc.tuple(fc.oneof(host, junk), password, fc.oneof(fc.constant(''), junk, password), fc.integer({ min: -5, max: 99999 }));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 15 }), fc.boolean(), (lines, csv) => {
        const passwords = lines.flatMap(([, p, extra]) => [p, extra].filter((x) => /[!@$^&*~]/.test(x)));
        const text = csv
          ? ['host,port,user,password', ...lines.map(([h, p, extra, port]) => `${h},${port},root,${p}${extra ? `,${extra}` : ''}`)].join('\n')
          : lines.map(([h, p, extra]) => `${h} ${p} ${extra}`.trimEnd()).join('\n');
        const r = parse(text, csv ? 'csv' : 'iplist');
        for (const m of formatProblems('hosts.csv', r.problems)) for (const p of passwords) expect(m).not.toContain(p);
      }),
      { numRuns: 300 },
    );
  });
});
