/**
 * Request and response bodies of the HTTP API (`/api/v1`). Fastify validates with these schemas
 * through the Zod type provider and the OpenAPI document at `/openapi.json` is generated from them.
 */
import { z } from 'zod';
import { ErrorBody } from './errors.ts';
import { RoomInfo, RoomPolicy, MemberInfo, MemberRole } from './rooms.ts';
import { Ack, MessageBody } from './messages.ts';
import { HistoryPage, ReactionKey, Seq } from './timeline.ts';
import { AuditEntry, BanInfo } from './moderation.ts';
import { ClientId, RoomId } from './ids.ts';
import { DisplayName } from './names.ts';

/** `{ error }`: every non-2xx response body. */
export const ErrorResponse = z.object({ error: ErrorBody }).meta({ id: 'ErrorResponse' });

/** `POST /api/v1/join`: join a room with its code and a display name. */
export const JoinRequest = z
  .object({
    roomId: RoomId,
    code: z.string().max(128).optional().describe('The room\'s join code, or the auth key its creator chose (required unless the room is open, an invite is given, or the credential grants the room).'),
    invite: z.string().max(4096).optional().describe('An invite token minted by an owner or moderator of the room; accepted once.'),
    name: DisplayName.optional().describe('Display name of a newcomer (required without a credential; ignored with one).'),
  })
  .meta({ id: 'JoinRequest' });
export type JoinRequest = z.infer<typeof JoinRequest>;

/** The principal behind a session. */
export const SessionUser = z.object({ id: z.string(), name: z.string() }).meta({ id: 'SessionUser' });

/**
 * Answer to a join. A newcomer (no credential) gets a join session: its token for non-browser
 * clients (send it as `Authorization: Bearer` or `?token=` on `/ws`), also set as an httpOnly cookie
 * for browsers. A request with a join-session token gets that token back; one with another
 * credential (an account, an integrator token) keeps using it, and gets no token here.
 */
export const JoinResponse = z
  .object({
    token: z.string().optional(),
    expiresAt: z.number().int().optional().describe('Unix ms.'),
    user: SessionUser,
    room: RoomInfo,
    role: MemberRole,
  })
  .meta({ id: 'JoinResponse' });
export type JoinResponse = z.infer<typeof JoinResponse>;

/** `GET /api/v1/session`: who the current credential is and the rooms it belongs to. */
export const SessionResponse = z
  .object({
    user: SessionUser,
    role: z.enum(['user', 'admin']),
    rooms: z.array(RoomInfo),
    expiresAt: z.number().int().optional().describe('Unix ms when the credential expires, if it does.'),
  })
  .meta({ id: 'SessionResponse' });

/** Path parameters of room routes. */
export const RoomParams = z.object({ roomId: RoomId });

/** `GET /api/v1/rooms/:roomId`: the room plus this member's read state. */
export const RoomResponse = z
  .object({ room: RoomInfo, role: MemberRole, lastReadSeq: z.number().int(), unread: z.number().int().describe('Messages by others after the read marker, at most 999.') })
  .meta({ id: 'RoomResponse' });

/** One of the caller's rooms in `GET /api/v1/rooms` (issue 12: the sidebar). */
export const MyRoom = RoomResponse.extend({
  lastActivityAt: z.number().int().describe('Unix ms of the newest timeline event (the room\'s creation when it has none).'),
}).meta({ id: 'MyRoom' });
export type MyRoom = z.infer<typeof MyRoom>;

/** `GET /api/v1/rooms`: the caller's rooms, the most recently active first. */
export const MyRoomsResponse = z.object({ rooms: z.array(MyRoom) }).meta({ id: 'MyRoomsResponse' });

/** `GET /api/v1/rooms/:roomId/members` query: members by user id, a page at a time. */
export const MembersQuery = z.object({
  after: z.string().min(1).max(200).optional().describe('Members with a user id after this one (the last of the previous page).'),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('Page size.'),
});

/** `GET /api/v1/rooms/:roomId/members`: a page of members by user id. */
export const MembersResponse = z
  .object({ members: z.array(MemberInfo), hasMore: z.boolean().describe('True when more members follow; ask again with `after` = the last user id.') })
  .meta({ id: 'MembersResponse' });

/** `GET /api/v1/rooms/:roomId/messages` query: page by seq. Newest page when neither bound is given. */
export const HistoryQuery = z
  .object({
    before: z.coerce.number().int().min(1).optional().describe('Events with seq < before: the newest page before it.'),
    after: z.coerce.number().int().min(0).optional().describe('Events with seq > after, oldest first.'),
    limit: z.coerce.number().int().min(1).max(500).optional().describe('Page size (default 50, capped by PARLEY_HISTORY_PAGE_MAX).'),
  })
  .refine((q) => q.before === undefined || q.after === undefined, { message: 'give before or after, not both', path: ['before'] });
export type HistoryQuery = z.infer<typeof HistoryQuery>;

export const HistoryResponse = HistoryPage;

/**
 * `POST /api/v1/rooms/:roomId/messages`: answered 201 with the ack of a new message, 200 with the
 * first ack when this clientId was already used by this sender in this room.
 */
export const SendRequest = z
  .object({ clientId: ClientId, body: MessageBody, replyTo: Seq.optional().describe('Seq of the message this one answers.') })
  .meta({ id: 'SendRequest', description: 'Send one message; retry with the same clientId to get the same ack.' });
export type SendRequest = z.infer<typeof SendRequest>;

export const SendResponse = Ack;

/** `POST /api/v1/rooms/:roomId/messages/batch`: up to 100 messages, stored in the given order. */
export const BatchSendRequest = z
  .object({ messages: z.array(SendRequest).min(1).max(100) })
  .meta({ id: 'BatchSendRequest' });

/** One result per message of a batch, in request order: an ack or an error. */
export const BatchSendResponse = z
  .object({
    results: z.array(z.union([z.object({ ack: Ack }), z.object({ clientId: z.string(), error: ErrorBody })])),
  })
  .meta({ id: 'BatchSendResponse' });

/** `POST /api/v1/admin/rooms`: create a room. */
export const CreateRoomRequest = z
  .object({ name: z.string().trim().min(1).max(100), id: RoomId.optional().describe('Choose the id; random when omitted.') })
  .extend(RoomPolicy.shape)
  .meta({ id: 'CreateRoomRequest' });
export type CreateRoomRequest = z.infer<typeof CreateRoomRequest>;

/**
 * `POST /api/v1/rooms`: any signed-in principal creates a room and becomes its owner. With `authKey`
 * (a secret of the creator's choosing, at least 22 characters), the room's id is reserved for those
 * who present it: joiners send the room id and that key as `code`. Without it, a `code` room gets a
 * generated join code.
 */
export const CreateOwnRoomRequest = CreateRoomRequest.extend({
  authKey: z.string().min(22, 'authKey must be at least 22 characters').max(128).optional().describe('A secret of your choosing that joiners present as the code; instead of a generated join code.'),
}).meta({ id: 'CreateOwnRoomRequest' });
export type CreateOwnRoomRequest = z.infer<typeof CreateOwnRoomRequest>;

/** `PUT /api/v1/rooms/:roomId/members/:userId/role`. */
export const SetRoleRequest = z.object({ role: MemberRole }).meta({ id: 'SetRoleRequest' });

/** `POST /api/v1/rooms/:roomId/invites`: an invite for one person, with the role they will have. */
export const InviteRequest = z.object({ role: MemberRole.exclude(['owner']).default('member') }).meta({ id: 'InviteRequest' });

/** An invite token: give it to one person, who presents it as `invite` to `POST /api/v1/join`. */
export const InviteResponse = z
  .object({ invite: z.string(), roomId: RoomId, role: MemberRole, expiresAt: z.number().int().describe('Unix ms; it is accepted once before then.') })
  .meta({ id: 'InviteResponse' });

/** Path parameters of member routes. */
export const MemberParams = z.object({ roomId: RoomId, userId: z.string().min(1).max(200) });

/** Path parameters of one message: `/api/v1/rooms/:roomId/messages/:seq`. */
export const MessageParams = z.object({ roomId: RoomId, seq: z.coerce.number().int().min(1) });

/** `PATCH /api/v1/rooms/:roomId/messages/:seq`: edit your own message within the edit window. */
export const EditRequest = z
  .object({ clientId: ClientId, body: MessageBody })
  .meta({ id: 'EditRequest', description: 'The new body; retry with the same clientId to get the same ack.' });

/** `DELETE /api/v1/rooms/:roomId/messages/:seq` query: an optional idempotency key for the deletion. */
export const DeleteMessageQuery = z.object({ clientId: ClientId.optional().describe('Idempotency key of the deletion; a fresh one when omitted.') });

/** Path parameters of one reaction: `/api/v1/rooms/:roomId/messages/:seq/reactions/:key`. */
export const ReactionParams = z.object({ roomId: RoomId, seq: z.coerce.number().int().min(1), key: ReactionKey });

/** `POST /api/v1/rooms/:roomId/system`: a system notice (owners, admins; e.g. an integrator's backend). */
export const SystemNoticeRequest = z
  .object({ clientId: ClientId, body: MessageBody })
  .meta({ id: 'SystemNoticeRequest', description: 'A notice shown to members as a system line; idempotent by clientId.' });

/** `PATCH /api/v1/rooms/:roomId`: change the room's settings (owners, admins). */
export const UpdateRoomRequest = z.object({ name: z.string().trim().min(1).max(100) }).meta({ id: 'UpdateRoomRequest' });

/** `GET /api/v1/rooms/:roomId/messages/:seq/versions` (moderators, owners, admins): earlier bodies of an edited message. */
export const VersionsResponse = z
  .object({ versions: z.array(z.object({ body: z.string(), replacedAt: z.number().int().describe('Unix ms when this body was replaced.') })) })
  .meta({ id: 'VersionsResponse' });

/** `PUT /api/v1/rooms/:roomId/members/:userId/mute`: mute a member until a time (Unix ms, in the future). */
export const MuteRequest = z
  .object({ until: z.number().int().min(0).describe('Unix ms when the mute ends; must be in the future.') })
  .meta({ id: 'MuteRequest' });

/** A member's mute after a mute or unmute (`mutedUntil: null`: not muted). */
export const MuteResponse = z
  .object({ roomId: RoomId, userId: z.string(), mutedUntil: z.number().int().nullable().describe('Unix ms, or null.') })
  .meta({ id: 'MuteResponse' });

/** `PUT /api/v1/rooms/:roomId/bans/:userId`: ban a user (a member is removed at once). */
export const BanRequest = z
  .object({ reason: z.string().trim().max(500).optional().describe('A note for other moderators and the audit log.') })
  .meta({ id: 'BanRequest' });

export const BanResponse = z.object({ ban: BanInfo }).meta({ id: 'BanResponse' });

/** `GET /api/v1/rooms/:roomId/bans` (moderators, owners, admins). */
export const BansResponse = z.object({ bans: z.array(BanInfo) }).meta({ id: 'BansResponse' });

/** Query of the audit log: newest first, `before` an entry id to page back. */
export const AuditQuery = z.object({
  roomId: RoomId.optional().describe('Only this room (admins; a room\'s owners and moderators read `/api/v1/rooms/:roomId/audit`).'),
  before: z.string().regex(/^[0-9]{1,40}$/, 'before must be an audit entry id').optional().describe('Entries older than this entry id.'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/** A page of the audit log, newest first; `hasMore`: older entries exist (page with `before` = the last id). */
export const AuditResponse = z.object({ entries: z.array(AuditEntry), hasMore: z.boolean() }).meta({ id: 'AuditResponse' });

/** A room as an admin sees it on creation or code rotation: includes the join code, shown only then. */
export const AdminRoomResponse = z
  .object({ room: RoomInfo, joinCode: z.string().nullable().describe('Shown only at creation and rotation; null for open rooms.') })
  .meta({ id: 'AdminRoomResponse' });

export const AdminRoomsResponse = z.object({ rooms: z.array(RoomInfo) }).meta({ id: 'AdminRoomsResponse' });

/** An account name: 3–32 characters of `a-z 0-9 _ . -`, case-insensitive (lowercased here). */
export const Username = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, 'username must be at least 3 characters')
  .max(32, 'username must be at most 32 characters')
  .regex(/^[a-z0-9_.-]+$/, 'username may contain only letters, digits, _ . and -')
  .meta({ id: 'Username' });

/** A new password: 8–256 characters (NIST SP 800-63B: at least 8, long passphrases allowed). */
export const NewPassword = z.string().min(8, 'password must be at least 8 characters').max(256, 'password must be at most 256 characters');

/** `POST /api/v1/auth/register`: create an account and sign in. */
export const RegisterRequest = z
  .object({
    username: Username,
    password: NewPassword,
    name: DisplayName.optional().describe('Display name; the username when omitted.'),
  })
  .meta({ id: 'RegisterRequest' });
export type RegisterRequest = z.infer<typeof RegisterRequest>;

/** `POST /api/v1/auth/login`. Any name and password shape is accepted: a wrong one is just wrong. */
export const LoginRequest = z
  .object({ username: z.string().trim().toLowerCase().min(1).max(64), password: z.string().min(1).max(256) })
  .meta({ id: 'LoginRequest' });
export type LoginRequest = z.infer<typeof LoginRequest>;

/**
 * `POST /api/v1/auth/refresh` and `POST /api/v1/auth/logout`: the refresh token, from the body
 * (non-browser clients) or, when the body has none or is omitted, from the `parley_refresh` cookie.
 */
export const RefreshRequest = z
  .object({ refreshToken: z.string().min(1).max(128).optional() })
  .nullish()
  .meta({ id: 'RefreshRequest' });

/** An account as its owner sees it. */
export const AccountInfo = z
  .object({ id: z.string(), username: z.string(), name: z.string(), role: z.enum(['user', 'admin']) })
  .meta({ id: 'AccountInfo' });

/**
 * Answer to register, login and refresh. Browsers get both tokens as httpOnly cookies
 * (`parley_access` for every route, `parley_refresh` for `/api/v1/auth` only); the body carries
 * them too, for clients without cookies, except on a refresh made with the cookie, whose answer
 * keeps them out of reach of page scripts. Send the access token as `Authorization: Bearer`
 * (or `?token=` on `/ws`) and renew it with the refresh token before `accessTokenExpiresAt`.
 */
export const AuthResponse = z
  .object({
    account: AccountInfo,
    accessToken: z.string().optional(),
    accessTokenExpiresAt: z.number().int().describe('Unix ms.'),
    refreshToken: z.string().optional().describe('Single use: each refresh answers a new one; presenting a used one signs the whole family out.'),
    refreshTokenExpiresAt: z.number().int().describe('Unix ms.'),
  })
  .meta({ id: 'AuthResponse' });
export type AuthResponse = z.infer<typeof AuthResponse>;

/** `GET /api/v1/auth/me`: the signed-in account. */
export const MeResponse = z
  .object({ account: AccountInfo, expiresAt: z.number().int().describe('Unix ms when the access token expires.') })
  .meta({ id: 'MeResponse' });
export type MeResponse = z.infer<typeof MeResponse>;

/** `GET /healthz`. */
export const HealthResponse = z.object({ status: z.literal('ok') }).meta({ id: 'HealthResponse' });

/** One dependency's answer to a readiness check: `latencyMs` until it answered or failed. */
const DependencyCheck = z.object({ ok: z.boolean(), latencyMs: z.number().describe('ms'), error: z.string().optional() }).meta({ id: 'DependencyCheck' });

/**
 * `GET /ready`: whether this node should get traffic. 200 with `ready: true` when every dependency
 * answers and it is not draining; 503 with `ready: false` otherwise, naming what failed.
 */
export const ReadyResponse = z
  .object({
    ready: z.boolean(),
    draining: z.boolean().describe('True once the node began a graceful shutdown.'),
    checks: z.record(z.string(), DependencyCheck).describe('One entry per dependency (`store`, `redis`).'),
  })
  .meta({ id: 'ReadyResponse' });
export type ReadyResponse = z.infer<typeof ReadyResponse>;

/**
 * `GET /health` (issue 6, `PARLEY_HEALTH`): the readiness checks plus what an operator looks at first.
 * 200 when ready, 503 otherwise.
 */
export const HealthReport = ReadyResponse.extend({
  status: z
    .enum(['ok', 'degraded', 'draining'])
    .describe('`ok`: every dependency answers and the node serves (200); `degraded`: at least one dependency in `checks` fails (503); `draining`: a graceful shutdown began (503).'),
  version: z.string().describe('Parley version.'),
  uptimeMs: z.number().int().describe('Since the process started (ms).'),
  connections: z.number().int().describe('Open WebSocket connections on this node.'),
  memory: z
    .object({ rssBytes: z.number().int(), heapUsedBytes: z.number().int(), heapTotalBytes: z.number().int(), externalBytes: z.number().int() })
    .describe('`process.memoryUsage()` in bytes.'),
}).meta({ id: 'HealthReport' });
export type HealthReport = z.infer<typeof HealthReport>;
