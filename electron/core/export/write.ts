// Writes an export into a folder: a new or empty folder, or one an earlier export wrote (it is marked
// with .outpost-export, which lists the files Outpost wrote). Only those files are replaced or removed:
// what the user added (a vault with passwords, host_vars) stays. Anything else is refused rather than
// overwritten: an inventory.yml of someone else's must not be lost.
import fs from 'node:fs';
import path from 'node:path';
import { OutpostError } from '../errors';

export const EXPORT_MARKER = '.outpost-export';

interface Marker {
  generator: 'outpost';
  files: string[];
}

function readMarker(folder: string): Marker | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(folder, EXPORT_MARKER), 'utf8')) as Partial<Marker>;
    return m.generator === 'outpost' && Array.isArray(m.files) ? { generator: 'outpost', files: m.files.filter((f): f is string => typeof f === 'string') } : null;
  } catch {
    return null;
  }
}

/** A relative path inside the folder (no absolute path, no ..). */
function inside(folder: string, rel: string): string {
  const p = path.resolve(folder, rel);
  if (!p.startsWith(path.resolve(folder) + path.sep)) throw new Error(`not inside the export folder: ${rel}`);
  return p;
}

export function writeExport(folder: string, files: Record<string, string>): string[] {
  let exists = false;
  try {
    const st = fs.statSync(folder);
    if (!st.isDirectory()) throw new OutpostError('export.folder', `${folder} is a file, not a folder.`, 'Choose a new or empty folder for the export.');
    exists = true;
  } catch (err) {
    if (err instanceof OutpostError) throw err;
  }
  const previous = exists ? readMarker(folder) : null;
  if (exists && !previous && fs.readdirSync(folder).length > 0) {
    throw new OutpostError('export.folder', `${folder} is not empty and holds no earlier Outpost export: nothing was written.`, 'Choose a new or empty folder (or one an earlier export wrote).');
  }
  fs.mkdirSync(folder, { recursive: true });
  for (const old of previous?.files ?? []) {
    if (old in files) continue;
    try {
      fs.rmSync(inside(folder, old), { force: true });
    } catch {
      /* a name that is not ours to touch */
    }
  }
  const names = Object.keys(files).sort();
  for (const rel of names) {
    const p = inside(folder, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    const tmp = `${p}.outpost-tmp`;
    fs.writeFileSync(tmp, files[rel] ?? '', { mode: rel.startsWith('library/') ? 0o755 : 0o644 });
    fs.renameSync(tmp, p);
  }
  // Folders an earlier export made and no longer uses (templates of steps that are gone).
  for (const old of previous?.files ?? []) {
    let dir = path.dirname(old);
    while (dir !== '.' && dir !== '') {
      try {
        fs.rmdirSync(inside(folder, dir));
      } catch {
        break;
      }
      dir = path.dirname(dir);
    }
  }
  fs.writeFileSync(path.join(folder, EXPORT_MARKER), `${JSON.stringify({ generator: 'outpost', files: names }, null, 2)}\n`);
  return names;
}
