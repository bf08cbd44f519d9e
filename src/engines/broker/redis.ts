/**
 * Broker on Redis pub/sub (STYLE C2, C3): `PUBLISH` on the room's channel from the command
 * connection, `SUBSCRIBE` per room served by this node on the subscriber connection, so a node
 * receives only the rooms it serves. Payload: `<seq>\t<epoch>\t<createdAt>\t<kind>\t<frame>` (all but the
 * frame may be empty); a JSON frame never holds a raw tab, so the split is unambiguous.
 *
 * Pub/sub is a hint (DESIGN.md rule 3): Redis drops messages when it restarts or a subscriber lags,
 * silently. When the subscriber connection comes back after being lost, this engine subscribes its
 * rooms again and then calls the `onInterrupt` handler, so the core checks every room for gaps.
 */
import type { TimelineEventType } from '../../protocol/index.ts';
import type { Broker, RoomEvent } from '../../core/ports/broker.ts';
import { redisUnavailable, type RedisConnections } from '../redis-client.ts';

export class RedisBroker implements Broker {
  readonly #redis: RedisConnections;
  readonly #channelPrefix: string;
  readonly #rooms = new Set<string>();
  #onEvent: ((event: RoomEvent) => void) | undefined;
  #onInterrupt: (() => void) | undefined;

  /** @param onPublish told of every publish: how long it took (ms) and whether Redis took it (metrics). */
  constructor(
    redis: RedisConnections,
    private readonly onPublish: (ms: number, ok: boolean) => void = () => undefined,
  ) {
    this.#redis = redis;
    this.#channelPrefix = `${redis.prefix}room:`;
    redis.subscriber.on('message', (channel: string, payload: string) => this.#receive(channel, payload));
    redis.onReady((role) => {
      if (role === 'subscriber') void this.#resubscribe();
    });
  }

  async publish(event: RoomEvent): Promise<void> {
    const started = performance.now();
    try {
      await this.#redis.command.publish(this.#channelPrefix + event.roomId, `${event.seq ?? ''}\t${event.epoch ?? ''}\t${event.createdAt ?? ''}\t${event.kind ?? ''}\t${event.frame}`);
      this.onPublish(performance.now() - started, true);
    } catch (err) {
      this.onPublish(performance.now() - started, false);
      throw redisUnavailable(err);
    }
  }

  async subscribe(roomId: string): Promise<void> {
    this.#rooms.add(roomId);
    try {
      await this.#redis.subscriber.subscribe(this.#channelPrefix + roomId);
    } catch (err) {
      // Kept in #rooms: it is subscribed again when the connection is back, then reported as an interruption.
      throw redisUnavailable(err);
    }
  }

  async unsubscribe(roomId: string): Promise<void> {
    this.#rooms.delete(roomId);
    try {
      await this.#redis.subscriber.unsubscribe(this.#channelPrefix + roomId);
    } catch {
      // The connection is down: it holds no subscription, and #rooms no longer lists the room.
    }
  }

  onEvent(handler: (event: RoomEvent) => void): void {
    this.#onEvent = handler;
  }

  onInterrupt(handler: () => void): void {
    this.#onInterrupt = handler;
  }

  /** Forget the handlers; the shared connections are closed by their owner. */
  async close(): Promise<void> {
    this.#rooms.clear();
    this.#onEvent = undefined;
    this.#onInterrupt = undefined;
  }

  #receive(channel: string, payload: string): void {
    if (this.#onEvent === undefined || !channel.startsWith(this.#channelPrefix)) return;
    const first = payload.indexOf('\t');
    const second = payload.indexOf('\t', first + 1);
    const third = payload.indexOf('\t', second + 1);
    const fourth = payload.indexOf('\t', third + 1);
    if (first < 0 || second < 0 || third < 0 || fourth < 0) return;
    const event: { -readonly [K in keyof RoomEvent]: RoomEvent[K] } = { roomId: channel.slice(this.#channelPrefix.length), frame: payload.slice(fourth + 1) };
    if (first > 0) event.seq = Number(payload.slice(0, first));
    if (second > first + 1) event.epoch = payload.slice(first + 1, second);
    if (third > second + 1) event.createdAt = Number(payload.slice(second + 1, third));
    if (fourth > third + 1) event.kind = payload.slice(third + 1, fourth) as TimelineEventType;
    this.#onEvent(event);
  }

  /** After the subscriber connection came back: subscribe every room again, then report the interruption. */
  async #resubscribe(): Promise<void> {
    const channels = [...this.#rooms].map((roomId) => this.#channelPrefix + roomId);
    try {
      if (channels.length > 0) await this.#redis.subscriber.subscribe(...channels);
    } catch {
      return; // lost again: the next 'ready' retries
    }
    this.#onInterrupt?.();
  }
}
