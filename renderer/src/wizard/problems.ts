// The shared schema speaks English (files and the CLI need it); the wizard speaks the user's language.
// Each validator message has a fixed shape, so it maps to a translation key with the offending value.

type T = (key: string, params?: Record<string, unknown>) => string;

const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/^is required$/, 'err.required'],
  [/^must be \{ env: NAME \} or \{ stored: KEY \}$/, 'err.required'],
  [/^(".*") is not an IPv4 or IPv6 address$/, 'err.ip'],
  [/^(".*") is not a valid host name$/, 'err.hostname'],
  [/^(".*") is not a valid domain name$/, 'err.domain'],
  [/^(".*") is neither an IP address nor a valid host name$/, 'err.host'],
  [/^(".*") is not a CIDR block/, 'err.cidr'],
  [/^(\S+) is not a TCP port/, 'err.port'],
  [/^(".*") is not host:port/, 'err.hostPort'],
  [/^(".*") is not a region id/, 'err.region'],
  [/^(".*") is not a valid DC name/, 'err.dc'],
  [/^(".*") is not a project ID/, 'err.projectId'],
  // A profile input's pattern, with the profile's own hint (profiles write it in English).
  [/^(".*") is not valid: (?<hint>.+)$/, 'err.pattern'],
  [/^(".*") is not valid$/, 'err.invalid'],
  // A secret's problem never quotes it.
  [/^is not valid: (?<hint>.+)$/, 'err.secretPattern'],
  [/^(".*") is not a valid Linux user name$/, 'err.posixUser'],
  [/^(".*") is not a valid user name$/, 'err.user'],
  [/^(".*") is not an absolute path without/, 'err.posixPath'],
  [/^(".*") is not a file path$/, 'err.localPath'],
  [/^(".*") is not an absolute Windows path/, 'err.windowsPath'],
  [/^(".*") is not a SHA-256/, 'err.sha256'],
  [/^needs one of password, privateKey or agent/, 'err.auth'],
  [/^list at least one jump server$/, 'err.jumpServers'],
  [/^must be a number$/, 'err.number'],
  [/^add at least one host$/, 'err.noHosts'],
  [/^give listen and\/or target$/, 'err.override'],
  [/^is only allowed when connectivity.mode is jump$/, 'err.jumpOnly'],
];

/** The problem in the user's language; an unknown shape falls back to the schema's English text. */
export function describeProblem(message: string, t: T): string {
  for (const [re, key] of PATTERNS) {
    const m = re.exec(message);
    if (m) return t(key, { value: m[1] ?? '', hint: m.groups?.hint ?? '' });
  }
  return message;
}

export const PROBLEM_KEYS = PATTERNS.map(([, k]) => k);
