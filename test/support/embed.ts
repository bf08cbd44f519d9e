/**
 * An embedded room for browser tests (issue: identity — signed embed tickets): Parley trusting the
 * integrator `acme`, whose site (examples/embed/host-server.ts) runs on a second origin,
 * http://localhost:<port>, and frames one room with a ticket minted for each page view.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Frame, Page } from 'playwright-core';
import { startServer, type TestServer } from './server.ts';
import { createHostServer } from '../../examples/embed/host-server.ts';
import { embedUrl, mintTicket } from '../../examples/embed/mint-ticket.ts';

/** The integrator's site on http://localhost:<port>, minting a ticket per page view for `roomId`. */
async function hostSite(parleyUrl: () => string, integrator: { id: string; secret: string }, roomId: () => string) {
  let origin = '';
  const server = createHostServer((user) => embedUrl(parleyUrl(), mintTicket({ integratorId: integrator.id, roomId: roomId(), userId: user.id, displayName: user.name, origin, role: 'member' }, integrator.secret)));
  await new Promise<void>((resolve) => server.listen(0, resolve));
  origin = `http://localhost:${(server.address() as AddressInfo).port}`;
  return { origin, [Symbol.asyncDispose]: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/**
 * Parley trusting the integrator `acme` and holding one room, which acme's site frames; disposing
 * closes Parley, then the site (the site alone if Parley fails to start).
 */
export async function embeddedRoom(room: { name?: string } = {}): Promise<{ hostOrigin: string; server: TestServer } & AsyncDisposable> {
  const integrator = { id: 'acme', secret: randomBytes(32).toString('base64url') };
  let server: TestServer | undefined;
  let roomId = '';
  const host = await hostSite(() => server?.url ?? '', integrator, () => roomId);
  const dispose = async () => {
    await server?.[Symbol.asyncDispose]();
    await host[Symbol.asyncDispose]();
  };
  try {
    server = await startServer({ PARLEY_EMBED_INTEGRATORS: JSON.stringify([{ ...integrator, allowedOrigins: [host.origin] }]) });
    roomId = (await server.createRoom(room)).room.id;
  } catch (err) {
    await dispose();
    throw err;
  }
  return { hostOrigin: host.origin, server, [Symbol.asyncDispose]: dispose };
}

/** Open the host page as `user` and wait until the framed room is connected; returns the frame. */
export async function openEmbedded(page: Page, hostOrigin: string, user: string, name: string): Promise<Frame> {
  await page.goto(`${hostOrigin}/?user=${user}&name=${encodeURIComponent(name)}`);
  const frame = await (await page.waitForSelector('#parley')).contentFrame();
  assert.ok(frame !== null);
  await frame.waitForSelector('#status[data-state="open"]');
  return frame;
}
