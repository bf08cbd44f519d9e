/**
 * The sign-in and registration pages (`/login`, `/register`): a username and password (and, to
 * register, a display name). On success the server has set the account's cookies and the page goes
 * back to the join page, keeping an invite's `?room=&code=` so the user can join as the account.
 */
import { login, register } from './api.ts';
import { el, mount } from './elements.ts';
import { describe } from './error-text.ts';

/** Which page to show. */
export type AccountPageMode = 'login' | 'register';

const TEXT = {
  login: { title: 'Sign in', button: 'Sign in', other: 'No account yet? Register', otherPath: '/register' },
  register: { title: 'Create an account', button: 'Register', other: 'Have an account? Sign in', otherPath: '/login' },
} as const;

/** Show the sign-in (`login`) or registration page; `navigate` opens a path within the app. */
export function showAccountPage(mode: AccountPageMode, navigate: (path: string) => void): void {
  const text = TEXT[mode];
  const username = el('input', { id: 'username', name: 'username', required: '', minlength: mode === 'register' ? '3' : '1', maxlength: mode === 'register' ? '32' : '64', autocomplete: 'username', spellcheck: 'false', autocapitalize: 'none' });
  const password = el('input', { id: 'password', name: 'password', type: 'password', required: '', minlength: mode === 'register' ? '8' : '1', maxlength: '256', autocomplete: mode === 'register' ? 'new-password' : 'current-password' });
  const displayName = el('input', { id: 'display-name', name: 'name', maxlength: '64', autocomplete: 'nickname', placeholder: 'how others see you (default: your username)' });
  const error = el('p', { class: 'error', id: 'account-error', role: 'alert' });
  const submit = el('button', { type: 'submit', id: 'account-button' }, text.button);
  const other = el('a', { id: 'other-account-page', href: `${text.otherPath}${location.search}` }, text.other);
  const back = el('a', { id: 'back-to-join', href: `/${location.search}` }, 'Join without an account');
  for (const link of [other, back]) {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      navigate(link.pathname + link.search);
    });
  }

  const fields: Node[] = [el('label', { for: 'username' }, 'Username'), username, el('label', { for: 'password' }, 'Password'), password];
  if (mode === 'register') fields.push(el('label', { for: 'display-name' }, 'Display name'), displayName);
  const form = el('form', { class: 'card join', id: 'account-form' }, el('h1', {}, text.title), ...fields, submit, error, el('p', { class: 'account-links' }, other, ' · ', back));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.textContent = '';
    const done = mode === 'register' ? register(username.value.trim(), password.value, displayName.value.trim()) : login(username.value.trim(), password.value);
    done.then(
      () => navigate(`/${location.search}`),
      (err: unknown) => {
        error.textContent = describe(err);
        password.value = '';
        submit.disabled = false;
      },
    );
  });
  mount(el('div', { class: 'join-page' }, form));
  username.focus();
}
