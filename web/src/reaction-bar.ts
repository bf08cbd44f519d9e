/**
 * The reactions under a message: one button per reaction key with its count (marked when the user
 * is among those who reacted; hovering shows who), then the quick emoji not used yet, shown while
 * the message is hovered or focused. A click toggles the user's own reaction.
 */
import type { MessageEvent } from '../../client/src/index.ts';
import { el } from './elements.ts';
import type { NameOf } from './event-lines.ts';

/** The quick reactions offered on every message. */
export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🎉', '😮'] as const;

/** The reaction row of `message` for user `myId`; `toggle(key, active)` adds (`true`) or takes back the user's reaction. */
export function reactionBar(message: MessageEvent, myId: string, nameOf: NameOf, toggle: (key: string, active: boolean) => void): HTMLElement {
  const bar = el('div', { class: 'reactions' });
  const used = new Set<string>();
  for (const reaction of message.reactions ?? []) {
    used.add(reaction.key);
    const mine = reaction.userIds.includes(myId);
    const names = reaction.userIds.map((id) => (id === myId ? 'you' : nameOf(id)));
    const button = el(
      'button',
      { type: 'button', class: mine ? 'reaction mine' : 'reaction', 'data-key': reaction.key, 'aria-pressed': String(mine), title: `${reaction.key} by ${names.join(', ')}` },
      el('span', { class: 'key' }, reaction.key),
      el('span', { class: 'count' }, String(reaction.userIds.length)),
    );
    button.addEventListener('click', () => toggle(reaction.key, !mine));
    bar.append(button);
  }
  const quick = el('span', { class: 'quick' });
  for (const key of QUICK_REACTIONS) {
    if (used.has(key)) continue;
    const button = el('button', { type: 'button', class: 'reaction add', 'data-key': key, 'aria-label': `React with ${key}`, title: `React with ${key}` }, key);
    button.addEventListener('click', () => toggle(key, true));
    quick.append(button);
  }
  bar.append(quick);
  return bar;
}
