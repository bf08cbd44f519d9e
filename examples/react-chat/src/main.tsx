/**
 * A minimal chat on @parley/client/react: one room from the page's URL
 * (`?server=http://localhost:3000&room=ID&code=CODE&name=Ada`), its messages with older pages on
 * demand, a composer, who is online, who is typing, and the connection state. README.md beside
 * this file says how to run it.
 */
import { StrictMode, useEffect, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';
import { ParleyClient, ParleyError } from '@parley/client';
import { useConnectionState, useMessages, usePresence, useRoom, useTyping } from '@parley/client/react';

const params = new URLSearchParams(location.search);
const server = params.get('server') ?? 'http://localhost:3000';
const roomId = params.get('room') ?? '';

/** Join the room over HTTP as `name` (with its join code, if any) and return a connected client. */
async function connect(name: string): Promise<ParleyClient> {
  const res = await fetch(`${server}/api/v1/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ roomId, name, ...(params.get('code') ? { code: params.get('code') } : {}) }),
  });
  const body = (await res.json()) as { token?: string; error?: { code: string; message: string } };
  if (body.token === undefined) throw new Error(body.error?.message ?? `join failed (${res.status})`);
  const client = new ParleyClient({ url: server, token: body.token });
  void client.connect();
  return client;
}

function App() {
  const [client, setClient] = useState<ParleyClient>();
  const [problem, setProblem] = useState<string>();
  useEffect(() => {
    let live: ParleyClient | undefined;
    connect(params.get('name') ?? 'Guest').then((c) => setClient((live = c)), (err: Error) => setProblem(err.message));
    return () => live?.close();
  }, []);
  if (roomId === '') return <p>Add ?room=ID&code=CODE&name=NAME to the address.</p>;
  if (problem !== undefined) return <p role="alert">{problem}</p>;
  return client === undefined ? <p>Joining…</p> : <Room client={client} />;
}

function Room({ client }: { client: ParleyClient }) {
  const connection = useConnectionState(client);
  const { state, error } = useRoom(client, roomId);
  const { messages, hasOlder, loadOlder, loadingOlder } = useMessages(client, roomId);
  const online = usePresence(client, roomId);
  const typing = useTyping(client, roomId);
  if (error !== undefined) return <p role="alert">{error.code}: {error.message}</p>;
  return (
    <main>
      <header>
        <h1>{state?.name ?? roomId}</h1>
        <span className={`connection ${connection}`}>{connection}</span>
      </header>
      <aside>Online: {online.map((m) => m.name).join(', ') || 'nobody'}</aside>
      {hasOlder && (
        <button disabled={loadingOlder} onClick={() => void loadOlder()}>
          {loadingOlder ? 'Loading…' : 'Older messages'}
        </button>
      )}
      <ol className="messages">
        {messages.map((m) => (
          <li key={m.seq}>
            <b>{m.senderName}</b> {m.deletedAt === undefined ? m.body : <i>deleted</i>}
          </li>
        ))}
      </ol>
      <p className="typing">{typing.length > 0 ? `${typing.join(', ')} typing…` : ' '}</p>
      <Composer client={client} />
    </main>
  );
}

function Composer({ client }: { client: ParleyClient }) {
  const [text, setText] = useState('');
  const [refusal, setRefusal] = useState<string>();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim() === '') return;
    client.typing(roomId, false);
    // Sent with retry until acked, across reconnects; a refusal says why.
    client.send(roomId, text).then(
      () => setRefusal(undefined),
      (err: unknown) => setRefusal(err instanceof ParleyError ? `${err.code}: ${err.message}` : String(err)),
    );
    setText('');
  };
  return (
    <form onSubmit={submit}>
      <input
        value={text}
        placeholder="Message"
        onChange={(e) => {
          setText(e.target.value);
          client.typing(roomId, e.target.value !== '');
        }}
      />
      <button type="submit">Send</button>
      {refusal !== undefined && <p role="alert">{refusal}</p>}
    </form>
  );
}

createRoot(document.getElementById('app') as HTMLElement).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
