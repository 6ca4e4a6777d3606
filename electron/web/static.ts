// Serving the renderer build from a folder: one path rule for browser mode (HTTP) and the Electron
// window (the app:// protocol). Plain Node; no secrets are ever in these files.
import path from 'node:path';

export const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

export function mimeOf(file: string): string {
  return MIME[path.extname(file)] ?? 'application/octet-stream';
}

/**
 * The file a request path names inside `root`. The path is percent-decoded once, must not hold NUL
 * or backslashes (400), and is normalised before it is resolved, so `/%2Findex.html`,
 * `/a/../index.html` and `/index.html` name the same file and nothing outside `root` is reachable.
 * `/` is the page.
 */
export function staticFile(root: string, pathname: string): { file: string } | { status: 400 | 404 } {
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return { status: 400 };
  }
  if (rel.includes('\0') || rel.includes('\\')) return { status: 400 };
  rel = path.posix.normalize(`/${rel}`).replace(/^\/+/, '');
  if (rel === '' || rel === '.') rel = 'index.html';
  const base = path.resolve(root);
  const file = path.resolve(base, rel);
  return file.startsWith(base + path.sep) ? { file } : { status: 404 };
}
