// Shared bits for the SSH integration tests: a temp folder, a known_hosts store that already
// trusts given sshd instances, and host key policies that record what they were asked.
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { KnownHosts } from '../../../electron/core/ssh/known-hosts';
import type { HostKeyInfo, HostKeyPolicy } from '../../../electron/core/ssh/connection';
import type { SshdInstance } from '../harness/sshd';

export async function tempDir(prefix = 'outpost-ssh-'): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

/** A known_hosts file that trusts these instances, written the way a user acceptance would. */
export async function trustingKnownHosts(dir: string, ...instances: SshdInstance[]): Promise<KnownHosts> {
  const kh = new KnownHosts(path.join(dir, `known_hosts-${Math.random().toString(36).slice(2, 8)}`));
  for (const i of instances) {
    await kh.add(i.host, i.port, Buffer.from(i.hostPublicKey.split(' ')[1] ?? '', 'base64'));
  }
  return kh;
}

export interface RecordingPolicy {
  policy: HostKeyPolicy;
  asked: HostKeyInfo[];
}

export function recordingPolicy(answer: 'accept' | 'reject'): RecordingPolicy {
  const asked: HostKeyInfo[] = [];
  return {
    asked,
    policy: async (info) => {
      asked.push(info);
      return answer;
    },
  };
}

/** For connections whose host keys are all known: being asked at all is a failure. */
export const neverAsked: HostKeyPolicy = async (info) => {
  throw new Error(`unexpected host key prompt for ${info.host}:${info.port}`);
};
