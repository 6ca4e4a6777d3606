// Host lists (shared by the CLI and the wizard's host list editor; no Node module): Huawei's iplist.cfg (`IP [password]` per line) and CSV with a header row, with address
// ranges and CIDR blocks expanded. Every problem comes back with its line number and never quotes a
// password; the caller runs nothing while problems exist, and moves each password to the secret store.
import { parse as parseCsv } from 'csv-parse/browser/esm/sync'; // bundles what it needs (Buffer): runs in the renderer too
import ipaddr from 'ipaddr.js';
import { checkPrintableLine } from './visible';

export type HostListFormat = 'iplist' | 'csv';

export interface HostEntry {
  /** An IPv4 address, an IPv6 address (compressed form, no brackets) or a hostname. */
  host: string;
  port: number;
  user: string;
  name?: string;
  /** A jump server: its index, or its name. */
  jump?: number | string;
  /** Secret: the caller moves it to the secret store. Undefined when the list gives none. */
  password?: string;
  /** No password and no key on this line: the default password, asked once, is used. */
  usesDefaultPassword?: boolean;
  /** Path of a private key file. */
  privateKey?: string;
  /** Per-host values: the profile's extra columns (`{host.<column>}`). */
  vars?: Record<string, string>;
  /** Line of the list the host comes from (from 1). */
  line: number;
}

export interface HostListProblem {
  line: number;
  message: string;
}

export interface ParseHostListOptions {
  /** `auto` (the default): CSV when the first line is a header naming a `host` column, iplist.cfg otherwise. */
  format?: HostListFormat | 'auto';
  defaults: { user: string; port: number };
  /** Most hosts one line (a range or CIDR block) may name. */
  maxPerLine?: number;
  /** Most hosts the whole list may name. */
  maxTotal?: number;
  /** CSV: extra columns the profile takes as per-host values (`{host.<column>}`); any other column is refused. */
  hostColumns?: readonly string[];
}

export interface HostListResult {
  format: HostListFormat;
  hosts: HostEntry[];
  problems: HostListProblem[];
}

export const MAX_HOSTS_PER_LINE = 65_536;
export const MAX_HOSTS = 65_536;

const CSV_COLUMNS = ['host', 'port', 'user', 'password', 'privateKey', 'name', 'jump'] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

// ------------------------------------------------------------------------------------- addresses

export type Expansion = { ok: true; hosts: string[] } | { ok: false; message: string };

/**
 * Names a header cell in a message, quoting it only when it is made of what a column name could be made
 * of. Cells of the rows are never quoted: a password typed one column off (or a shifted row) would be.
 */
function quotable(s: string, noun = ''): string {
  if (s.length <= 64 && /^[0-9A-Za-z.:\-/[\]%_]+$/.test(s)) return noun ? `${noun} "${s}"` : `"${s}"`;
  return noun || 'the address';
}

/**
 * Names an address in a message: quoted only when it looks like a numeric address (digits with dots, or
 * hexadecimal digits with colons), which a password almost never does; otherwise `noun` stands for it.
 */
function quoteAddress(s: string, noun: string): string {
  const numeric = /^[0-9.\-/]+$/.test(s) && s.includes('.');
  const v6 = /^[0-9A-Fa-f:.[\]/%-]+$/.test(s) && s.includes(':');
  return s.length <= 64 && (numeric || v6) ? `"${s}"` : noun;
}

const ipv4ToInt = (s: string) => ipaddr.IPv4.parse(s).toByteArray().reduce((n, b) => n * 256 + b, 0);
const intToIpv4 = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');

/** RFC 1123 hostname: labels of letters, digits and hyphens (not at either end), 1-63 each, 253 in all. */
export function isHostname(s: string): boolean {
  const h = s.endsWith('.') ? s.slice(0, -1) : s;
  if (h.length === 0 || h.length > 253) return false;
  if (/^[\d.]+$/.test(h)) return false; // all digits and dots: an IPv4 address or nothing
  return h.split('.').every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

function range(first: number, last: number, spec: string, max: number, noun: string): Expansion {
  if (last < first) return { ok: false, message: `range ${quoteAddress(spec, noun)} ends before it starts` };
  const n = last - first + 1;
  if (n > max) return { ok: false, message: `${quoteAddress(spec, noun)} names ${plural(n, 'host')}, more than the ${max.toLocaleString('en-US')} one line may name` };
  const hosts: string[] = [];
  for (let i = first; i <= last; i++) hosts.push(intToIpv4(i));
  return { ok: true, hosts };
}

/**
 * The hosts one address field names: an IPv4 address, an IPv6 address (`[...]` allowed), a hostname, a
 * range (`192.168.0.10-20`, `192.168.0.10-192.168.0.20`) or an IPv4 CIDR block (`10.0.0.0/28`: its hosts,
 * without the network and broadcast addresses for /0 to /30). Messages quote the value only when it looks
 * like a numeric address; otherwise `noun` (default "the address") stands for it.
 */
export function expandAddress(spec: string, max = MAX_HOSTS_PER_LINE, noun = 'the address'): Expansion {
  const s = spec.trim();
  const quotable = (v: string) => quoteAddress(v, noun);
  if (s === '') return { ok: false, message: `${noun} is empty` };
  if (s.includes('/')) {
    const [addr = '', bits = ''] = s.split('/', 2);
    if (ipaddr.IPv6.isValid(addr) && !ipaddr.IPv4.isValidFourPartDecimal(addr)) {
      return { ok: false, message: `${quotable(s)}: IPv6 blocks are not expanded; list IPv6 addresses one per line` };
    }
    if (!ipaddr.IPv4.isValidFourPartDecimal(addr) || !/^\d{1,2}$/.test(bits) || Number(bits) > 32) {
      return { ok: false, message: `${quotable(s)} is not an IPv4 CIDR block (like 10.0.0.0/28)` };
    }
    const prefix = Number(bits);
    const size = 2 ** (32 - prefix);
    const base = ipv4ToInt(addr);
    const network = base - (base % size);
    if (network !== base) return { ok: false, message: `${quotable(s)} is not a network address (did you mean ${intToIpv4(network)}/${prefix}?)` };
    if (prefix >= 31) return range(network, network + size - 1, s, max, noun); // /31 (RFC 3021) and /32: every address
    return range(network + 1, network + size - 2, s, max, noun);
  }
  const dash = s.indexOf('-');
  if (dash > 0 && ipaddr.IPv4.isValidFourPartDecimal(s.slice(0, dash))) {
    const from = s.slice(0, dash);
    const to = s.slice(dash + 1);
    const first = ipv4ToInt(from);
    if (/^\d{1,3}$/.test(to) && Number(to) <= 255 && !/^0\d/.test(to)) return range(first, first - (first % 256) + Number(to), s, max, noun);
    if (ipaddr.IPv4.isValidFourPartDecimal(to)) return range(first, ipv4ToInt(to), s, max, noun);
    return { ok: false, message: `${quotable(s)} is not an address range (like 192.168.0.10-20 or 192.168.0.10-192.168.0.20)` };
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(s)) return { ok: true, hosts: [s] };
  const v6 = s.startsWith('[') && s.endsWith(']') ? s.slice(1, -1) : s;
  if (v6.includes(':')) {
    if (ipaddr.IPv6.isValid(v6)) return { ok: true, hosts: [ipaddr.IPv6.parse(v6).toString()] };
    return { ok: false, message: `${quotable(s)} is not an IPv6 address` };
  }
  if (/^[\d.]+$/.test(s)) return { ok: false, message: `${quotable(s)} is not an IPv4 address` };
  if (isHostname(s)) return { ok: true, hosts: [s.endsWith('.') ? s.slice(0, -1) : s] };
  return { ok: false, message: `${quotable(s)} is not an IP address, range, CIDR block or hostname` };
}

// ---------------------------------------------------------------------------------------- fields

/** Never names the cell's value: a password typed into the port column would be shown. */
function parsePort(text: string, fallback: number, noun: string): { ok: true; port: number } | { ok: false; message: string } {
  const t = text.trim();
  if (t === '') return { ok: true, port: fallback };
  if (/^\d{1,5}$/.test(t) && Number(t) >= 1 && Number(t) <= 65535) return { ok: true, port: Number(t) };
  return { ok: false, message: `${noun} is not a TCP port (1-65535)` };
}

/** A user name for SSH: printable, no spaces, not starting with "-", 1 to 64 characters (DOMAIN\\user allowed). */
function isUserName(s: string): boolean {
  return /^[^\s\p{Cc}-][^\s\p{Cc}]{0,63}$/u.test(s);
}

/** A name or a jump server's name: one line of printable characters (no escapes or line breaks to fake output with). */
const labelProblem = (s: string): string | null => (s.length > 128 ? 'is longer than 128 characters' : checkPrintableLine(s));

// ------------------------------------------------------------------------------------------ lists

/** Which format a list is in: CSV when its first line is a header naming a `host` column. */
export function detectHostListFormat(text: string): HostListFormat {
  const first = text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .find((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  if (!first) return 'iplist';
  return first.split(',').some((c) => c.trim().replace(/^"|"$/g, '').toLowerCase() === 'host') ? 'csv' : 'iplist';
}

interface Row {
  line: number;
  /** CSV: the column (from 1) each field came from, for messages that must not quote the cell. */
  columns?: Partial<Record<CsvColumn, number>>;
  address: string;
  port?: string;
  user?: string;
  password?: string;
  privateKey?: string;
  name?: string;
  jump?: string;
  vars?: Record<string, string>;
}

function iplistRows(text: string, problems: HostListProblem[]): Row[] {
  const rows: Row[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((raw, i) => {
      const line = i + 1;
      const t = raw.trim();
      if (t === '' || t.startsWith('#')) return;
      const fields = t.split(/\s+/);
      if (fields.length > 2) {
        problems.push({ line, message: `has ${fields.length} fields; expected an address and at most one password, separated by a space` });
        return;
      }
      const [address = '', password] = fields;
      rows.push({ line, address, ...(password !== undefined ? { password } : {}) });
    });
  return rows;
}

const CSV_ERRORS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a quoted field is not closed (a " is missing); the rest of the file was not read',
  INVALID_OPENING_QUOTE: 'a field has a " that does not start it: quote the whole field, and double the quotes inside it ("")',
  CSV_INVALID_OPENING_QUOTE: 'a field has a " that does not start it: quote the whole field, and double the quotes inside it ("")',
  CSV_INVALID_CLOSING_QUOTE: 'a quoted field has text after its closing "',
};

interface CsvError {
  code?: string;
  lines?: number;
}

function csvRows(text: string, problems: HostListProblem[], hostColumns: readonly string[]): Row[] {
  const skipped: HostListProblem[] = [];
  const onError = (err: CsvError, chunk?: string) => {
    const end = err.lines ?? 1;
    const inside = typeof chunk === 'string' ? (chunk.replace(/\r?\n$/, '').match(/\n/g)?.length ?? 0) : 0;
    // Our own words: csv-parse's messages may quote the field, and the field may be a password.
    skipped.push({ line: Math.max(1, end - inside), message: CSV_ERRORS[err.code ?? ''] ?? `is not valid CSV (${err.code ?? 'unknown error'})` });
  };
  let records: Array<{ record: string[]; info: { lines: number } }> = [];
  try {
    records = parseCsv(text, {
      bom: true,
      comment: '#',
      comment_no_infix: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      info: true,
      raw: true, // hands on_skip the text of a bad record, to count its lines (never shown)
      skip_records_with_error: true,
      on_skip: (err, chunk) => {
        if (err) onError(err as CsvError, chunk);
        return undefined;
      },
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
  } catch (err) {
    onError(err as CsvError);
  }
  // A record ends on info.lines; it starts as many lines earlier as its quoted fields hold line breaks.
  const withLines = records.map(({ record, info }) => ({ record, line: info.lines - record.reduce((n, f) => n + (f.match(/\n/g)?.length ?? 0), 0) }));
  const [header, ...body] = withLines;
  const rows: Row[] = [];
  if (header) {
    const columns: Array<CsvColumn | undefined> = [];
    const varColumns: Array<string | undefined> = [];
    const seen = new Set<CsvColumn>();
    let bad = false;
    header.record.forEach((h, i) => {
      const col = CSV_COLUMNS.find((c) => c.toLowerCase() === h.trim().toLowerCase().replace(/[\s_-]/g, ''));
      const extra = col ? undefined : hostColumns.find((c) => c === h.trim());
      varColumns.push(extra);
      if (!col && extra) {
        if (varColumns.filter((x) => x === extra).length > 1) {
          problems.push({ line: header.line, message: `column "${extra}" appears twice in the header` });
          bad = true;
        }
      } else if (!col) {
        problems.push({ line: header.line, message: `${quotable(h.trim(), `column ${i + 1}`)} is not one of ${CSV_COLUMNS.join(', ')}${hostColumns.length ? `, nor a per-host value of the profile (${hostColumns.join(', ')})` : ''}` });
        bad = true;
      } else if (seen.has(col)) {
        problems.push({ line: header.line, message: `column "${col}" appears twice in the header` });
        bad = true;
      }
      if (col) seen.add(col);
      columns.push(col);
    });
    if (!seen.has('host')) {
      problems.push({ line: header.line, message: `the header has no "host" column (expected a header like host,port,user,password)` });
      bad = true;
    }
    if (!bad) {
      for (const { record, line } of body) {
        if (record.length !== columns.length) {
          problems.push({ line, message: `has ${plural(record.length, 'field')}; the header has ${columns.length}` });
          continue;
        }
        const row: Row = { line, address: '', columns: Object.fromEntries(columns.flatMap((c, i) => (c ? [[c, i + 1]] : []))) };
        columns.forEach((c, i) => {
          const v = record[i] ?? '';
          if (c === 'host') row.address = v;
          else if (c && v !== '') row[c] = v;
          const x = varColumns[i];
          if (x && v !== '') row.vars = { ...row.vars, [x]: v };
        });
        rows.push(row);
      }
    }
  }
  problems.push(...skipped);
  return rows;
}

const hostKey = (host: string, port: number) => `${host.toLowerCase()}|${port}`;
const hostPort = (host: string, port: number) => (host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`);

/**
 * Parses a host list. Each host is checked (address, port, user, jump), ranges and CIDR blocks are
 * expanded, and hosts listed twice (same host and port) are reported on the later line. Problems name
 * their line and never contain a password.
 */
export function parseHostList(text: string, opts: ParseHostListOptions): HostListResult {
  const format = !opts.format || opts.format === 'auto' ? detectHostListFormat(text) : opts.format;
  const maxPerLine = opts.maxPerLine ?? MAX_HOSTS_PER_LINE;
  const maxTotal = opts.maxTotal ?? MAX_HOSTS;
  const problems: HostListProblem[] = [];
  const rows = format === 'csv' ? csvRows(text, problems, opts.hostColumns ?? []) : iplistRows(text, problems);

  const hosts: HostEntry[] = [];
  const firstLine = new Map<string, number>();
  const names = new Map<string, number>();
  let overLimit = false;
  for (const row of rows) {
    const { line } = row;
    let ok = true;
    const report = (message: string) => problems.push({ line, message });
    const refuse = (message: string) => {
      ok = false;
      report(message);
    };
    // Which column a problem is in, never what the cell holds (it may be a password one column off).
    const field = (c: CsvColumn): string => (row.columns?.[c] !== undefined ? `${c} (column ${row.columns[c]})` : c);
    const expanded = expandAddress(row.address, maxPerLine, row.columns ? `the ${field('host')}` : 'the address');
    const port = parsePort(row.port ?? '', opts.defaults.port, `the ${field('port')}`);
    const user = row.user ?? opts.defaults.user;
    if (!expanded.ok) refuse(expanded.message);
    if (!port.ok) refuse(port.message);
    if (!isUserName(user)) refuse(`${row.user === undefined ? 'the default user' : `the ${field('user')}`} is not a user name (no spaces, at most 64 characters)`);
    let jump: number | string | undefined;
    if (row.jump !== undefined) {
      if (/^\d+$/.test(row.jump)) jump = Number(row.jump);
      else if (!labelProblem(row.jump)) jump = row.jump;
      else refuse(`the ${field('jump')} ${labelProblem(row.jump) ?? ''}; it is a jump server's index or name`);
    }
    if (row.name !== undefined) {
      const bad = labelProblem(row.name);
      if (bad) refuse(`the ${field('name')} ${bad}`);
      else if (expanded.ok && expanded.hosts.length > 1) refuse(`a name is for one host, and this line names ${plural(expanded.hosts.length, 'host')}`);
      else if (names.has(row.name)) refuse(`the ${field('name')} is the same as on line ${names.get(row.name)}: each host has its own`);
      else names.set(row.name, line);
    }
    if (row.privateKey !== undefined && row.privateKey.includes('\n')) refuse(`the ${field('privateKey')} is the path of a key file, not the key itself`);
    if (expanded.ok && row.password !== undefined && expanded.hosts.length === 1 && ipaddr.IPv4.isValidFourPartDecimal(row.password) && !ipaddr.IPv4.isValidFourPartDecimal(row.address)) {
      refuse('the password looks like an IP address: are the address and the password swapped?');
    }
    if (!ok || !expanded.ok || !port.ok) continue;

    const dups: Array<{ host: string; line: number }> = [];
    for (const host of expanded.hosts) {
      const key = hostKey(host, port.port);
      const before = firstLine.get(key);
      if (before !== undefined) {
        dups.push({ host, line: before });
        continue;
      }
      if (hosts.length >= maxTotal) {
        if (!overLimit) problems.push({ line, message: `the list names more than ${maxTotal.toLocaleString('en-US')} hosts` });
        overLimit = true;
        break;
      }
      firstLine.set(key, line);
      const entry: HostEntry = { host, port: port.port, user, line };
      if (row.name !== undefined) entry.name = row.name;
      if (jump !== undefined) entry.jump = jump;
      if (row.privateKey !== undefined) entry.privateKey = row.privateKey;
      if (row.vars) entry.vars = row.vars;
      if (row.password !== undefined) entry.password = row.password;
      else if (row.privateKey === undefined) entry.usesDefaultPassword = true;
      hosts.push(entry);
    }
    const [d] = dups;
    if (d) report(`${hostPort(d.host, port.port)} is already listed on line ${d.line}${dups.length > 1 ? ` (and ${plural(dups.length - 1, 'more host')} of this line)` : ''}`);
  }
  problems.sort((a, b) => a.line - b.line);
  return { format, hosts, problems };
}

/** One line per problem, like a compiler: `hosts.csv:14: the port (column 2) is not a TCP port (1-65535)`. */
export function formatProblems(file: string, problems: readonly HostListProblem[]): string[] {
  return problems.map((p) => `${file}:${p.line}: ${p.message}`);
}
