/**
 * A tiny integrator site for trying the embed (docs/embedding.md): every view of its page mints a
 * fresh ticket on the server side and frames Parley's `/embed` with it. A real site takes the user
 * from its own login; this one takes it from the query, `/?user=ada&name=Ada`.
 *
 *   EMBED_PARLEY_URL=http://127.0.0.1:3000 EMBED_INTEGRATOR_ID=acme EMBED_INTEGRATOR_SECRET=… \
 *   EMBED_ROOM_ID=… [EMBED_HOST_PORT=8080] node --import tsx examples/embed/host-server.ts
 *
 * then open http://localhost:8080/?user=ada&name=Ada, which must be in the integrator's
 * `allowedOrigins` (`PARLEY_EMBED_INTEGRATORS`).
 */
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { embedUrl, mintTicket } from './mint-ticket.ts';

/** The user a page view is for. */
export interface HostUser {
  readonly id: string;
  readonly name: string;
}

/**
 * The host site: `GET /` answers a page framing `embedUrlFor(user)`, a freshly minted `/embed` URL
 * (400 when the user is not valid for a ticket). Not listening yet.
 */
export function createHostServer(embedUrlFor: (user: HostUser) => string): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://host');
    if (req.method !== 'GET' || url.pathname !== '/') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
    const user = { id: url.searchParams.get('user') ?? 'guest', name: url.searchParams.get('name') ?? 'Guest' };
    let src: string;
    try {
      src = embedUrlFor(user);
    } catch {
      return void res.writeHead(400, { 'content-type': 'text/plain' }).end('This user cannot have a ticket');
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8" /><title>Acme — team chat</title></head>
  <body>
    <h1>Acme</h1>
    <p>Signed in as <span id="host-user">${escapeHtml(user.name)}</span>.</p>
    <iframe id="parley" title="Chat" src="${escapeHtml(src)}" width="100%" height="600"></iframe>
  </body>
</html>
`);
  });
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function main(env: Record<string, string | undefined>): void {
  const { EMBED_PARLEY_URL: parleyUrl = 'http://127.0.0.1:3000', EMBED_INTEGRATOR_ID: integratorId, EMBED_INTEGRATOR_SECRET: secret, EMBED_ROOM_ID: roomId } = env;
  const port = Number(env.EMBED_HOST_PORT ?? 8080);
  if (integratorId === undefined || secret === undefined || roomId === undefined) {
    console.error('usage: EMBED_INTEGRATOR_ID=… EMBED_INTEGRATOR_SECRET=… EMBED_ROOM_ID=… [EMBED_PARLEY_URL=…] [EMBED_HOST_PORT=8080] node --import tsx examples/embed/host-server.ts');
    process.exitCode = 2;
    return;
  }
  const origin = `http://localhost:${port}`;
  const server = createHostServer((user) => embedUrl(parleyUrl, mintTicket({ integratorId, roomId, userId: user.id, displayName: user.name, origin, role: 'member' }, secret)));
  server.listen(port, () => console.log(`host site on ${origin}/?user=ada&name=Ada (framing ${parleyUrl})`));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.env);
