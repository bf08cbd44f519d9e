/**
 * `GET /embed?ticket=&signature=` (issue: identity — signed embed tickets): the room page inside an
 * integrator's iframe. A ticket that passes every check (`auth/embed-ticket.ts`) opens an embed
 * session, makes its user a member of the ticket's room, and answers the embed page
 * (`dist/web/embed.html`, built from web/embed.html) with the session in a `<meta>` tag. The page
 * keeps the session in memory and sends it as a bearer token, so the embed works where the browser
 * blocks third-party cookies.
 *
 * Every answer: `Cache-Control: no-store` and no cookie. Framing: the CSP's `frame-ancestors` lists
 * exactly the integrator's `allowedOrigins`, with no `X-Frame-Options`; a request that names no
 * configured integrator gets the app's defaults, which refuse framing. A refusal is the same page
 * showing the error for browsers (`Accept: text/html`), and `{ error }` JSON for anything else.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { EMBED_PAGE_META, toErrorBody, toParleyError, type EmbedPage } from '../../protocol/index.ts';
import type { PresentedTicket } from '../../auth/embed-ticket.ts';
import type { HttpDeps } from './deps.ts';
import { contentSecurityPolicy } from './content-security-policy.ts';

export const embedRoutes: FastifyPluginAsync<HttpDeps> = async (app, deps) => {
  const template = await readFile(join(deps.webDir, 'embed.html'), 'utf8').catch(() => undefined);
  if (template === undefined || template.split('</head>').length !== 2) {
    deps.logger.warn({ webDir: deps.webDir }, 'embed page not built: run `npm run build`; /embed is off');
    return;
  }
  const { embedTickets, chat } = deps;

  // No HEAD twin: a HEAD request would spend the ticket's nonce without showing anything.
  app.get('/embed', { schema: { hide: true }, config: { cookieless: true }, exposeHeadRoute: false }, async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    const presented = presentedTicket(request);
    let page: EmbedPage;
    try {
      const { integrator, ticket, session } = await embedTickets.open(presented);
      void reply.header('content-security-policy', contentSecurityPolicy(integrator.allowedOrigins));
      const { room } = await chat.roomFor(session.principal, ticket.roomId);
      page = { token: session.token, expiresAt: session.expiresAt, user: { id: session.principal.userId, name: session.principal.name }, room };
    } catch (err) {
      const error = toParleyError(err);
      if (error.code === 'INTERNAL') request.log.error({ err: error.cause ?? err }, 'embed failed');
      const integrator = embedTickets.integratorOf(presented.ticket);
      if (integrator !== undefined) void reply.header('content-security-policy', contentSecurityPolicy(integrator.allowedOrigins));
      void reply.code(error.status);
      if (!acceptsHtml(request)) return { error: toErrorBody(error) };
      page = { error: toErrorBody(error) };
    }
    const meta = `<meta name="${EMBED_PAGE_META}" content="${escapeAttribute(JSON.stringify(page))}" />\n  </head>`;
    return reply.type('text/html; charset=utf-8').send(template.replace('</head>', meta));
  });
};

/** The ticket of the query (a repeated parameter counts as missing) and the browser's fetch metadata. */
function presentedTicket(request: FastifyRequest): PresentedTicket {
  const query = request.query as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  return { ticket: text(query.ticket), signature: text(query.signature), fetchDest: text(request.headers['sec-fetch-dest']), referer: text(request.headers.referer) };
}

function acceptsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
