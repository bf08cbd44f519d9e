/**
 * Driver for `bench/servers/ws-broadcast.ts`: rooms need no creation, and every connection presents
 * the run's shared token, so provisioning is free and the comparison isolates the message path.
 */
import type { Driver, Provisioned, MemberCredentials, ConnectionEvents, Connection } from './driver.ts';
import { openWireConnection } from './wire.ts';

export class BareWsDriver implements Driver {
  constructor(
    private readonly port: number,
    private readonly token: string,
  ) {}

  async provision(rooms: number, membersPerRoom: number): Promise<Provisioned> {
    return bareProvision(rooms, membersPerRoom, this.token);
  }

  connect(member: MemberCredentials, events: ConnectionEvents): Promise<Connection> {
    const query = new URLSearchParams({ token: member.token, user: member.name });
    return openWireConnection(`ws://127.0.0.1:${this.port}/ws?${query}`, events);
  }
}

/** Room ids `room-<r>` and members `u<r>-<m>` sharing one token: provisioning for servers without accounts. */
export function bareProvision(rooms: number, membersPerRoom: number, token: string): Provisioned {
  const roomIds = Array.from({ length: rooms }, (_, r) => `room-${r}`);
  const members = roomIds.map((_, r) => Array.from({ length: membersPerRoom }, (_, m) => ({ name: `u${r}-${m}`, token })));
  return { roomIds, members, retries: 0 };
}
