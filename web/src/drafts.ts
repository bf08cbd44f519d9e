/**
 * Drafts per room (issue 12): what a person typed and did not send yet, kept per user and room for
 * as long as the browser tab lives (`sessionStorage`, so a draft never outlives the tab on a shared
 * computer). Storage that is unavailable (a blocked third-party frame) keeps no draft, silently.
 */

const key = (userId: string, roomId: string) => `parley:draft:${userId}:${roomId}`;

/** The draft kept for `roomId`, or '' when none. */
export function loadDraft(userId: string, roomId: string): string {
  try {
    return sessionStorage.getItem(key(userId, roomId)) ?? '';
  } catch {
    return '';
  }
}

/** Keep `text` as the draft for `roomId`; an empty text drops it. */
export function saveDraft(userId: string, roomId: string, text: string): void {
  try {
    if (text === '') sessionStorage.removeItem(key(userId, roomId));
    else sessionStorage.setItem(key(userId, roomId), text);
  } catch {
    // No storage here: no draft.
  }
}
