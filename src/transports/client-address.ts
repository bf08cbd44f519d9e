/**
 * The client address that per-address limits count against (issue: abuse resistance):
 * - by default the socket's peer address: a client cannot choose it;
 * - behind reverse proxies listed in PARLEY_TRUST_PROXY, the nearest address in `X-Forwarded-For`
 *   that is not itself a trusted proxy (`@fastify/proxy-addr`, the same rule as Fastify's
 *   `request.ip` with `trustProxy`, so HTTP and WebSocket agree);
 * - IPv6 clients count by their /64 network: one host usually holds a whole /64 and could
 *   otherwise take a fresh address for every request.
 */
import type { IncomingMessage } from 'node:http';
import { isIPv4, isIPv6 } from 'node:net';
import proxyAddr from '@fastify/proxy-addr';

/** Resolves a request's client address; see {@link clientAddressOf}. */
export type ClientAddressOf = (req: IncomingMessage) => string;

/**
 * A resolver of client addresses that believes `X-Forwarded-For` only from `trustedProxies`
 * (addresses, CIDR ranges, `loopback`, `linklocal`, `uniquelocal`; empty: believe no proxy).
 * @throws TypeError for an entry that is not one of those (src/config.ts checks them first).
 */
export function clientAddressOf(trustedProxies: readonly string[]): ClientAddressOf {
  if (trustedProxies.length === 0) return (req) => req.socket.remoteAddress ?? 'unknown';
  const trust = proxyAddr.compile([...trustedProxies]);
  return (req) => proxyAddr(req, trust);
}

/** Resolves the scheme a request reached Parley with; see {@link protocolOf}. */
export type ProtocolOf = (req: IncomingMessage) => 'http' | 'https';

/**
 * A resolver of the scheme the client used: `https` when the connection itself is TLS, or when the
 * socket's peer is one of `trustedProxies` and the last `X-Forwarded-Proto` it sent is `https`
 * (the rule of Fastify's `request.protocol` with `trustProxy`, so HTTP and WebSocket agree);
 * otherwise `http`. A header from an untrusted peer is ignored.
 * @throws TypeError for an entry that is not a proxy `clientAddressOf` accepts.
 */
export function protocolOf(trustedProxies: readonly string[]): ProtocolOf {
  const trust = trustedProxies.length === 0 ? undefined : proxyAddr.compile([...trustedProxies]);
  return (req) => {
    if ((req.socket as { encrypted?: boolean }).encrypted === true) return 'https';
    const header = req.headers['x-forwarded-proto'];
    const peer = req.socket.remoteAddress;
    if (trust === undefined || typeof header !== 'string' || peer === undefined || !trust(peer, 0)) return 'http';
    return header.slice(header.lastIndexOf(',') + 1).trim().toLowerCase() === 'https' ? 'https' : 'http';
  };
}

/**
 * The key a client address counts under: an IPv4 address as is (IPv4-mapped IPv6 included),
 * an IPv6 address as its /64 network (`2001:db8:0:1::/64`), anything else unchanged.
 */
export function limitSubject(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return mapped[1] as string;
  if (isIPv4(address) || !isIPv6(address.split('%', 1)[0] ?? '')) return address;
  const plain = (address.split('%', 1)[0] ?? '').toLowerCase();
  const [head = '', tail] = plain.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
