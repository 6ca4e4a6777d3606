// What app://outpost/<path> answers, without Electron (so a unit test can ask it): a file of the
// renderer build with the CSP as a header, or an error status.
import fs from 'node:fs';
import { contentSecurityPolicy } from '../common/csp';
import { mimeOf, staticFile } from '../web/static';

export const APP_SCHEME = 'app';
export const APP_HOST = 'outpost';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** What app://outpost/<path> answers: a file of the renderer build with the CSP header, or an error status. */
export async function appResponse(rendererDir: string, url: string): Promise<Response> {
  const text = (status: number, body: string) => new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return text(400, 'Bad request');
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return text(404, 'Not found');
  const found = staticFile(rendererDir, u.pathname);
  if ('status' in found) return text(found.status, found.status === 400 ? 'Bad request' : 'Not found');
  try {
    const data = await fs.promises.readFile(found.file);
    return new Response(new Uint8Array(data), {
      status: 200,
      headers: {
        'content-type': mimeOf(found.file),
        'content-security-policy': contentSecurityPolicy({ header: true }),
        'x-content-type-options': 'nosniff',
      },
    });
  } catch {
    return text(404, 'Not found');
  }
}

