/**
 * The emoji a person picked lately (issue 12: the picker shows them first), newest first, kept per
 * user in `localStorage` so they outlive the tab. Storage that is unavailable (a blocked
 * third-party frame) or holds something unreadable keeps no list, silently.
 */

/** How many recently used emoji are kept. */
export const RECENT_EMOJI_MAX = 16;

const key = (userId: string) => `parley:recent-emoji:${userId}`;

/** The emoji `userId` picked lately, newest first (at most {@link RECENT_EMOJI_MAX}). */
export function recentEmoji(userId: string): string[] {
  try {
    const stored: unknown = JSON.parse(localStorage.getItem(key(userId)) ?? '[]');
    return Array.isArray(stored) ? stored.filter((e): e is string => typeof e === 'string').slice(0, RECENT_EMOJI_MAX) : [];
  } catch {
    return [];
  }
}

/** `userId` just picked `emoji`: it moves to the front of their list. */
export function rememberEmoji(userId: string, emoji: string): void {
  const list = [emoji, ...recentEmoji(userId).filter((e) => e !== emoji)].slice(0, RECENT_EMOJI_MAX);
  try {
    localStorage.setItem(key(userId), JSON.stringify(list));
  } catch {
    // No storage here: no list.
  }
}
