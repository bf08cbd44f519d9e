/**
 * What the UI says when something is refused (issue 12: human error messages): a sentence for a
 * person, from the error's stable code and details — never a raw field path, a room id or a UTC
 * timestamp ("You are muted until 14:05", not "You are muted in room q3v9… until 2026-12-03T14:05Z").
 * Codes without a sentence of their own fall back to the server's message.
 */
import { ParleyError } from '../../client/src/index.ts';
import { whenText } from './event-lines.ts';

/** Seconds, rounded up, of a ms delay in `details.retryAfterMs`. */
function seconds(details: Readonly<Record<string, unknown>> | undefined): number {
  return Math.max(1, Math.ceil(Number(details?.retryAfterMs ?? 1000) / 1000));
}

/** A readable sentence for anything thrown. */
export function describe(err: unknown): string {
  if (!(err instanceof ParleyError)) return err instanceof Error ? err.message : String(err);
  const details = err.details;
  switch (err.code) {
    case 'MEMBER_MUTED': {
      const until = Number(details?.mutedUntil);
      return Number.isFinite(until) ? `You are muted in this room until ${whenText(until)}.` : 'You are muted in this room.';
    }
    case 'BANNED':
      return 'You are banned from this room. A moderator can lift the ban.';
    case 'BLOCKED':
      return 'You cannot write here: this person has blocked you.';
    case 'ROOM_CLOSED':
      return 'This room is closed: it takes no new messages or members.';
    case 'ROOM_NOT_FOUND':
      return 'This room does not exist, or you are not a member of it.';
    case 'ROOM_FULL':
      return 'This room is full.';
    case 'BAD_JOIN_CODE':
      return 'That join code is not right for this room. Check it with whoever invited you.';
    case 'RATE_LIMITED': {
      const s = seconds(details);
      return `Too many at once: try again in ${s} second${s === 1 ? '' : 's'}.`;
    }
    case 'MESSAGE_TOO_LARGE':
    case 'PAYLOAD_TOO_LARGE': {
      const limit = Number(details?.limitBytes);
      return Number.isFinite(limit) ? `This message is too long to send: a message may have at most ${limit.toLocaleString('en')} bytes of text.` : 'This message is too long to send.';
    }
    case 'FORBIDDEN':
      return 'You are not allowed to do that here.';
    case 'UNAUTHENTICATED':
      return 'Your session has ended: sign in or join again.';
    case 'CONNECTION_LOST':
      return 'The connection was lost before the server answered.';
    case 'TIMEOUT':
      return 'The server did not answer in time. Try again.';
    case 'VALIDATION_FAILED': {
      const issues = details?.issues;
      const first = Array.isArray(issues) ? (issues[0] as { message?: unknown } | undefined) : undefined;
      return typeof first?.message === 'string' ? `${first.message.charAt(0).toUpperCase()}${first.message.slice(1)}.`.replace(/\.\.$/, '.') : err.message;
    }
    default:
      return err.message;
  }
}
