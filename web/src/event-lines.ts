/**
 * The system lines of the timeline: what a membership, moderation, room or system event says, e.g.
 * "Ada joined", "Bob was banned by Ada: spam", "Ada renamed the room to “Plans”". Message events and
 * the changes to messages (edits, deletions, reactions) have no line: they show on the message.
 * Returns plain text; the page sets it with `textContent`.
 */
import type { MemberRole, TimelineEvent } from '../../client/src/index.ts';

/** The name to show for a user id (a member's name, or a placeholder when unknown). */
export type NameOf = (userId: string) => string;

/** A role with its article, as a sentence says it ("made Bob a moderator"). */
export const ROLE_TEXT: Readonly<Record<MemberRole, string>> = { owner: 'an owner', moderator: 'a moderator', member: 'a member', guest: 'a guest' };

/** Time of day (hh:mm) of a Unix ms timestamp, in the browser's locale. */
export function timeOfDay(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** A moment to show: its time of day when it is today, else its date and time, in the browser's locale. */
export function whenText(ms: number): string {
  const at = new Date(ms);
  return at.toDateString() === new Date().toDateString() ? timeOfDay(ms) : `${at.toLocaleDateString([], { weekday: 'short', day: 'numeric', month: 'short' })}, ${timeOfDay(ms)}`;
}

/** A short moment for a list (the rooms sidebar): time of day today, the weekday within six days, else the date. */
export function shortWhen(ms: number): string {
  const at = new Date(ms);
  if (at.toDateString() === new Date().toDateString()) return timeOfDay(ms);
  if (Date.now() - ms < 6 * 86_400_000) return at.toLocaleDateString([], { weekday: 'short' });
  return at.toLocaleDateString([], { day: 'numeric', month: 'short' });
}

/** The line an event shows in the timeline, or undefined for messages and changes to messages. */
export function eventLine(event: TimelineEvent, nameOf: NameOf): string | undefined {
  const actor = event.senderName;
  switch (event.type) {
    case 'message':
    case 'message_edited':
    case 'message_deleted':
    case 'reaction_added':
    case 'reaction_removed':
      return undefined;
    case 'member_joined':
      return `${event.name} joined`;
    case 'member_left':
      return `${event.senderId === event.userId ? actor : nameOf(event.userId)} left`;
    case 'member_removed':
      return `${nameOf(event.userId)} was removed by ${actor}`;
    case 'member_banned':
      return `${nameOf(event.userId)} was banned by ${actor}${event.reason === null || event.reason === '' ? '' : `: ${event.reason}`}`;
    case 'member_unbanned':
      return `${nameOf(event.userId)} was unbanned by ${actor}`;
    case 'member_role_changed':
      return `${actor} made ${nameOf(event.userId)} ${ROLE_TEXT[event.role]}`;
    case 'member_muted':
      return `${nameOf(event.userId)} was muted by ${actor} until ${whenText(event.until)}`;
    case 'member_unmuted':
      return `${nameOf(event.userId)} was unmuted by ${actor}`;
    case 'room_updated':
      return event.name === undefined ? `${actor} changed the room settings` : `${actor} renamed the room to “${event.name}”`;
    case 'room_closed':
      return `${actor} closed the room`;
    case 'system':
      return event.body;
  }
}
