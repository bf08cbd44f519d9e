/**
 * @parley/client as integrators install it (issue 12): `client/scripts/build.js` builds client/dist
 * (ESM + type declarations); plain Node (no tsx, its own global WebSocket) imports the built
 * package by its name and talks to a real server; a TypeScript project type-checks against the
 * built declarations with `exports` conditions alone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startServer } from '../support/server.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A project folder outside the repo with @parley/client linked into its node_modules, as an install would place it. */
function consumerProject(files: Record<string, string>): { dir: string } & Disposable {
  const dir = mkdtempSync(join(tmpdir(), 'parley-consumer-'));
  mkdirSync(join(dir, 'node_modules', '@parley'), { recursive: true });
  symlinkSync(join(ROOT, 'client'), join(dir, 'node_modules', '@parley', 'client'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

test('the built package: plain Node imports @parley/client and @parley/client/react, connects, joins, sends; TypeScript checks against its declarations', async () => {
  await run(process.execPath, [join(ROOT, 'client/scripts/build.js')], { cwd: ROOT });

  await using server = await startServer();
  const { room, joinCode } = await server.createRoom({ name: 'Built' });
  const { token } = await server.joinRoom(room.id, joinCode, 'Ada');
  const script = `
    import { ParleyClient, ParleyError } from '@parley/client';
    import * as hooks from '@parley/client/react';
    const [url, token, roomId] = process.argv.slice(2);
    const client = new ParleyClient({ url, token });
    const welcome = await client.connect();
    const joined = await client.join(roomId);
    const ack = await client.send(roomId, 'from the built package');
    const refused = await client.join('no-such-room').catch((err) => err instanceof ParleyError && err.code);
    client.close();
    console.log(JSON.stringify({ name: welcome.user.name, room: joined.room.name, seq: ack.seq, refused, hooks: Object.keys(hooks).sort() }));
  `;
  using project = consumerProject({
    'main.js': script,
    'check.ts': `
      import { ParleyClient, type ConnectionState, type MessageEvent } from '@parley/client';
      import { useMessages, useRoom, type MessagesView, type RoomView } from '@parley/client/react';
      const client = new ParleyClient({ url: 'https://chat.example.com' });
      const state: ConnectionState = client.state;
      const messages: (c: ParleyClient, roomId: string) => MessagesView = useMessages;
      const room: (c: ParleyClient, roomId: string) => RoomView = useRoom;
      const first: MessageEvent | undefined = undefined;
      // @ts-expect-error internals are not exported
      import('@parley/client/src/rooms.ts');
      export { state, messages, room, first };
    `,
    'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2022', 'DOM'], noEmit: true, skipLibCheck: false, types: [], typeRoots: [join(ROOT, 'node_modules/@types')] }, files: ['check.ts'] }),
  });
  // No --import tsx: the package must run as built.
  const { stdout } = await run(process.execPath, ['main.js', server.url, token, room.id], { cwd: project.dir });
  const seen = JSON.parse(stdout) as { name: string; room: string; seq: number; refused: string; hooks: string[] };
  assert.equal(seen.name, 'Ada');
  assert.equal(seen.room, 'Built');
  assert.ok(seen.seq > 0);
  assert.equal(seen.refused, 'ROOM_NOT_FOUND', 'errors are the one ParleyError class');
  assert.deepEqual(seen.hooks, ['useConnectionState', 'useMessages', 'usePresence', 'useRoom', 'useTyping']);
  const history = (await (await fetch(`${server.url}/api/v1/rooms/${room.id}/messages`, { headers: { authorization: `Bearer ${token}` } })).json()) as unknown;
  assert.match(JSON.stringify(history), /from the built package/);

  await run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', project.dir], { cwd: project.dir }).catch((err: { stdout?: string }) => {
    throw new Error(`the declarations do not type-check:\n${err.stdout ?? String(err)}`);
  });
});
