/**
 * Who sent an HTTP request: the principal of its credentials (any but `?token=`, which would end
 * up in access logs), shared by the route plugins.
 */
import type { FastifyRequest } from 'fastify';
import { ParleyError } from '../../protocol/index.ts';
import type { Principal } from '../../core/principal.ts';
import { credentialsFromHeaders } from '../credentials.ts';
import type { HttpDeps } from './deps.ts';

/** The principal of a request (any credential but `?token=`), or undefined. */
export function principalOf(deps: HttpDeps, request: FastifyRequest): Promise<Principal | undefined> {
  return deps.auth.authenticate(credentialsFromHeaders(request.headers, undefined));
}

/** The principal of a request (cookie or bearer). Throws UNAUTHENTICATED. */
export async function requirePrincipal(deps: HttpDeps, request: FastifyRequest): Promise<Principal> {
  const principal = await principalOf(deps, request);
  if (principal === undefined) throw new ParleyError('UNAUTHENTICATED', 'No valid session cookie or bearer token: join a room, sign in, or present a token');
  return principal;
}
