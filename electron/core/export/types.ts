// The Ansible export's inputs and result (shared by the builder, the README writer and the callers).
import type { ExportPackages } from '../actions/ansible-kit';

export interface ExportHostKey {
  /** "ssh-ed25519 AAAA…" (no host field). */
  line: string;
  fingerprint: string;
}

export interface AnsibleExportOptions {
  /** Host keys Outpost has verified, by plan host id (`jump0`, `target3`). */
  hostKeys: Record<string, ExportHostKey[]>;
  /** Local packages checked at export time (see ./index.ts): SHA-256 by local path and by the remote path they are uploaded to. */
  packages?: ExportPackages;
  /** For the README: where the answers and the host list came from, the known_hosts file read. */
  source?: { answers?: string; hosts?: string; knownHosts?: string };
  version: string;
  now?: Date;
}

export interface ExportedHost {
  id: string;
  /** Its name in inventory.yml. */
  name: string;
  label: string;
  host: string;
  port: number;
  /** Reached through this jump server (plan id). */
  via: string | null;
}

export interface AnsibleExport {
  /** Relative path → content. */
  files: Record<string, string>;
  hosts: ExportedHost[];
  /** Hosts whose host key Outpost has not verified: Ansible (StrictHostKeyChecking=yes) will refuse them. */
  hostsWithoutKey: ExportedHost[];
  /** Environment variables the playbook reads, with what each holds. */
  env: Array<{ name: string; what: string[] }>;
  /** Inventory hosts that log in with a password (given to Ansible with --ask-pass or a vault). */
  passwordHosts: string[];
  warnings: string[];
}
