import { test } from 'node:test';
import { startServer } from '../support/server.ts';
import { send } from '../support/http-request.ts';
test('x', async () => {
  await using server = await startServer();
  const r = await send(`${server.url}/api/v1/auth/refresh`, { method: 'POST' });
  console.log(r.status, JSON.stringify(r.body));
  const r2 = await send(`${server.url}/api/v1/auth/refresh`, { method: 'POST', raw: { contentType: 'application/json', text: '' } });
  console.log(r2.status, JSON.stringify(r2.body));
});
