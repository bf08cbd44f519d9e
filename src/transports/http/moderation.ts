/**
 * Moderation routes under `/api/v1/rooms/:roomId` (issue: abuse resistance — moderation). Every
 * route checks the principal's role through the core (`core/permissions.ts`, action `moderate`:
 * moderators, owners, admins; the audit log: action `audit`, the same roles):
 * - mute a member until a time, unmute;
 * - ban a user (a member is removed), list bans, unban;
 * - read the room's audit log.
 * Admins read every room's audit log at `GET /api/v1/admin/audit` (`admin.ts`). Deleting a message
 * (authors, and moderators for lower roles) is a message route (`messages.ts`).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AuditQuery,
  AuditResponse,
  BanRequest,
  BanResponse,
  BansResponse,
  ErrorResponse,
  MemberParams,
  MuteRequest,
  MuteResponse,
  RoomParams,
} from '../../protocol/http.ts';
import type { HttpDeps } from './deps.ts';
import { requirePrincipal } from './request-principal.ts';

export const moderationRoutes: FastifyPluginAsyncZod<HttpDeps> = async (app, deps) => {
  const { chat } = deps;
  const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 503: ErrorResponse };

  app.put(
    '/api/v1/rooms/:roomId/members/:userId/mute',
    { schema: { tags: ['moderation'], summary: 'Mute a member of a lower role until a time: sends and typing are refused (moderators, owners)', params: MemberParams, body: MuteRequest, response: { 200: MuteResponse, ...errors } } },
    async (request) => chat.setMute(await requirePrincipal(deps, request), request.params.roomId, request.params.userId, request.body.until),
  );

  app.delete(
    '/api/v1/rooms/:roomId/members/:userId/mute',
    { schema: { tags: ['moderation'], summary: 'Unmute a member (moderators, owners)', params: MemberParams, response: { 200: MuteResponse, ...errors } } },
    async (request) => chat.setMute(await requirePrincipal(deps, request), request.params.roomId, request.params.userId, null),
  );

  app.get(
    '/api/v1/rooms/:roomId/bans',
    { schema: { tags: ['moderation'], summary: 'The room\'s bans (moderators, owners)', params: RoomParams, response: { 200: BansResponse, ...errors } } },
    async (request) => ({ bans: await chat.bans(await requirePrincipal(deps, request), request.params.roomId) }),
  );

  app.put(
    '/api/v1/rooms/:roomId/bans/:userId',
    { schema: { tags: ['moderation'], summary: 'Ban a user: removed now, refused from rejoining by any way in (moderators, owners)', params: MemberParams, body: BanRequest, response: { 200: BanResponse, ...errors } } },
    async (request) => ({ ban: await chat.ban(await requirePrincipal(deps, request), request.params.roomId, request.params.userId, request.body.reason) }),
  );

  app.delete(
    '/api/v1/rooms/:roomId/bans/:userId',
    { schema: { tags: ['moderation'], summary: 'Lift a ban (moderators, owners)', params: MemberParams, response: { 200: z.object({}), ...errors } } },
    async (request) => {
      await chat.unban(await requirePrincipal(deps, request), request.params.roomId, request.params.userId);
      return {};
    },
  );

  app.get(
    '/api/v1/rooms/:roomId/audit',
    { schema: { tags: ['moderation'], summary: 'The room\'s audit log, newest first (moderators, owners)', params: RoomParams, querystring: AuditQuery.omit({ roomId: true }), response: { 200: AuditResponse, ...errors } } },
    async (request) => chat.auditLog(await requirePrincipal(deps, request), { roomId: request.params.roomId, ...request.query }),
  );
};
