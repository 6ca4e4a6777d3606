// Injected at build time by scripts/build.mjs; falls back to reading package.json from source (tests).
import fs from 'node:fs';
import path from 'node:path';
import { appRoot } from './paths';

declare const __OUTPOST_VERSION__: string | undefined;

export function appVersion(): string {
  if (typeof __OUTPOST_VERSION__ === 'string') return __OUTPOST_VERSION__;
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(appRoot(), 'package.json'), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}
