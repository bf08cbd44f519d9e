/**
 * The claims of an integrator's JWT (issue: identity and access — integrator JWTs): the contract
 * between an integrator's backend, which mints the token, and Parley, which checks it. The
 * registered claims `iss`, `aud`, `exp` and `nbf` are checked by the verifier (RFC 7519 §4.1);
 * this schema covers what the token says about its bearer. See docs/integrator-tokens.md.
 */
import { z } from 'zod';
import { RoomId } from './ids.ts';
import { MemberRole } from './rooms.ts';
import { DisplayName } from './names.ts';

/** Prefix of every user id taken from an integrator's token: `jwt:<sub>` never equals an id Parley issues itself (UUIDs, `admin`). */
export const INTEGRATOR_USER_PREFIX = 'jwt:';

/** Most rooms one token may grant. */
const INTEGRATOR_MAX_ROOMS = 256;

/**
 * What an integrator's token says about its bearer. Unknown claims are ignored; a claim of the
 * wrong shape makes the whole token invalid.
 * - `sub`: the integrator's user id, 1–128 characters; Parley's user id is `jwt:<sub>`.
 * - `name`: display name (`names.ts` `DisplayName`: trimmed, NFC, 1–64 characters, no control,
 *   bidirectional or zero-width characters); default: `sub`, which must then pass the same rule.
 * - `rooms`: room ids the bearer may join without a join code (at most 256).
 * - `role`: the bearer's room role in each of `rooms`; default `member`.
 * - `admin`: `true` gives the bearer Parley's admin role (manage, invite and kick in every room).
 * - `exp`: expiry (Unix seconds), required.
 */
export const IntegratorClaims = z.object({
  sub: z.string().min(1).max(128),
  name: DisplayName.optional(),
  rooms: z.array(RoomId).max(INTEGRATOR_MAX_ROOMS).default([]),
  role: MemberRole.default('member'),
  admin: z.boolean().optional(),
  exp: z.number().int().positive(),
});
export type IntegratorClaims = z.infer<typeof IntegratorClaims>;
