/**
 * The room header's actions (issue 12), each shown to the roles the API allows it: Invite people
 * and Audit log for moderators and owners, Settings for owners, Leave room and Sign out for everyone
 * outside an integrator's embed (membership and the session are the host page's business there).
 * Leaving and a guest's sign-out are asked twice, saying what they lose. Panels (an invite link, the
 * settings, the audit log) open below the header through `place`; refusals go to `onError`.
 */
import type { MemberRole } from '../../client/src/index.ts';
import { createInvite, isSignedIn, joinLink, leaveRoom, logout } from './api.ts';
import { openAuditLog } from './audit-log.ts';
import { el } from './elements.ts';
import { whenText } from './event-lines.ts';
import { roomSettings } from './room-settings.ts';
import { sharePanel } from './share.ts';

/** What the actions need from the room page. */
export interface RoomActionsHost {
  readonly roomId: string;
  /** The room's name as it stands now (it may be renamed while the page is open). */
  roomName(): string;
  /** Whether the page is inside an integrator's embed: no Leave, no Sign out. */
  readonly embedded: boolean;
  /** A member's name when known, for the audit log. */
  knownName(userId: string): string | undefined;
  /** Show a panel below the header. */
  place(panel: HTMLElement): void;
  /** Say something on the page's message line (a warning before a second click). */
  say(text: string): void;
  onError(err: unknown): void;
  navigate(path: string, notice?: string): void;
}

export class RoomActions {
  /** The buttons to place in the header. */
  readonly element: HTMLElement;
  readonly #host: RoomActionsHost;
  readonly #invite = el('button', { type: 'button', id: 'invite-people', class: 'secondary', hidden: '' }, 'Invite people');
  readonly #audit = el('button', { type: 'button', id: 'audit-log-button', class: 'secondary', hidden: '', 'aria-controls': 'audit-log', 'aria-expanded': 'false' }, 'Audit log');
  readonly #settings = el('button', { type: 'button', id: 'room-settings', class: 'secondary', hidden: '', 'aria-controls': 'settings', 'aria-expanded': 'false' }, 'Settings');

  constructor(host: RoomActionsHost) {
    this.#host = host;
    const leave = host.embedded ? undefined : el('button', { type: 'button', id: 'leave-room', class: 'secondary' }, 'Leave room');
    const signOut = host.embedded ? undefined : el('button', { type: 'button', id: 'sign-out', class: 'secondary' }, 'Sign out');
    this.element = el('span', { class: 'header-actions' }, this.#invite, this.#audit, this.#settings, ...(leave === undefined ? [] : [leave]), ...(signOut === undefined ? [] : [signOut]));

    this.#invite.addEventListener('click', () => {
      createInvite(host.roomId).then(({ invite, expiresAt }) => {
        document.getElementById('share')?.remove();
        host.place(sharePanel(joinLink(host.roomId, { invite }), `This link lets one person join, until ${whenText(expiresAt)}. Make one per person.`));
      }, host.onError);
    });
    this.#audit.addEventListener('click', () => {
      if (document.getElementById('audit-log') !== null) return this.#closeAuditLog();
      this.#audit.setAttribute('aria-expanded', 'true');
      const onClose = () => {
        this.#closeAuditLog();
        this.#audit.focus();
      };
      openAuditLog({ roomId: host.roomId, knownName: (userId) => host.knownName(userId), onError: host.onError, onClose }, host.place);
    });
    this.#settings.addEventListener('click', () => {
      const shown = document.getElementById('settings');
      this.#settings.setAttribute('aria-expanded', String(shown === null));
      if (shown !== null) return shown.remove();
      host.place(roomSettings({ id: host.roomId, name: host.roomName() }, host.place, host.onError));
    });
    leave?.addEventListener('click', () => {
      if (leave.dataset.confirm === undefined) {
        leave.dataset.confirm = '';
        leave.textContent = 'Leave for good';
        host.say(`Leaving ends your membership of ${host.roomName()}: to come back you will need an invitation again.`);
        return;
      }
      leaveRoom(host.roomId).then(() => host.navigate('/', `You left ${host.roomName()}.`), host.onError);
    });
    signOut?.addEventListener('click', () => {
      // A guest's session is all there is of them: say what signing out loses before doing it.
      if (!isSignedIn() && signOut.dataset.confirm === undefined) {
        signOut.dataset.confirm = '';
        signOut.textContent = 'Sign out anyway';
        host.say('You are a guest: signing out ends your guest session and you leave your rooms. To come back you will need the invitation link or join code again, and you will join as someone new.');
        return;
      }
      logout().then(() => host.navigate('/'), host.onError);
    });
  }

  /** Show the actions `role` may take (undefined: not known yet); the audit log closes for anyone else. */
  setRole(role: MemberRole | undefined): void {
    this.#invite.hidden = this.#audit.hidden = role !== 'owner' && role !== 'moderator';
    this.#settings.hidden = role !== 'owner';
    if (this.#audit.hidden) this.#closeAuditLog();
  }

  /** Remove the audit log panel, if open; its button says it is collapsed. */
  #closeAuditLog(): void {
    document.getElementById('audit-log')?.remove();
    this.#audit.setAttribute('aria-expanded', 'false');
  }
}
