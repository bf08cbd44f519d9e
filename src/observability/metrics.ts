/**
 * Parley's Prometheus metrics (prom-client): one registry per node holding the process metrics and
 * Parley's named ones, served at `/metrics` (docs/operations.md lists them). The core reports through
 * the Metrics port (`core/ports/metrics.ts`); the store, the broker, HTTP and the WebSocket transport
 * through the hooks below. Label values are closed sets (room kinds, error codes, route patterns),
 * never ids, so the number of series stays bounded whatever clients do.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Metrics } from '../core/ports/metrics.ts';

/** Latency buckets in seconds: 0.5 ms to 10 s. */
const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Everything that reports to the registry. */
export interface ParleyMetrics {
  readonly registry: Registry;
  /** For the core. */
  readonly core: Metrics;
  /** The store committed (or failed to commit) a batch of `items` appends in `ms`. */
  storeCommit(items: number, ms: number, ok: boolean): void;
  /** The broker published (or failed to publish) an event in `ms`. */
  brokerPublish(ms: number, ok: boolean): void;
  /** An HTTP request to `route` (the route pattern, never the raw URL) answered `status` after `ms`. */
  httpRequest(method: string, route: string, status: number, ms: number): void;
  /** A WebSocket upgrade was refused with HTTP `status`. */
  upgradeRefused(status: number): void;
  /** Where the `connections` gauge reads this node's open WebSocket connections at each scrape (0 until set). */
  countConnections(count: () => number): void;
}

/**
 * Create the registry with the process metrics and Parley's.
 * @param prefix of Parley's metric names. @default 'parley_'
 */
export function createMetrics(prefix = 'parley_'): ParleyMetrics {
  const registry = new Registry();
  let connections = (): number => 0;
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  new Gauge({ name: `${prefix}connections`, help: 'Open WebSocket connections on this node.', registers, collect() { this.set(connections()); } });
  const joins = new Counter({ name: `${prefix}joins_total`, help: 'Room joins answered, by how they resumed.', labelNames: ['resume'], registers });
  const messagesIn = new Counter({ name: `${prefix}messages_in_total`, help: 'New messages accepted (stored or relayed), by room kind.', labelNames: ['kind'], registers });
  const acks = new Counter({ name: `${prefix}acks_total`, help: 'Sends acked, by room kind and whether the ack was a retry\'s duplicate.', labelNames: ['kind', 'duplicate'], registers });
  const messagesOut = new Counter({ name: `${prefix}messages_out_total`, help: 'Messages written to sockets by this node (deliveries), by room kind.', labelNames: ['kind'], registers });
  const latency = new Histogram({ name: `${prefix}delivery_latency_seconds`, help: 'From a message\'s acceptance (on any node) to its delivery by this node.', labelNames: ['kind'], buckets: SECONDS, registers });
  const errors = new Counter({ name: `${prefix}errors_total`, help: 'Requests and frames refused, by error code (HTTP and WebSocket).', labelNames: ['code'], registers });
  const slow = new Counter({ name: `${prefix}slow_consumer_closes_total`, help: 'Sockets closed with 4500 for reading too slowly.', registers });
  const repairs = new Counter({ name: `${prefix}gap_repairs_total`, help: 'Messages read back from the store or relay log to fill gaps the broker left.', labelNames: ['kind'], registers });
  const batch = new Histogram({ name: `${prefix}store_commit_batch_size`, help: 'Appends per group-committed store transaction.', buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers });
  const commit = new Histogram({ name: `${prefix}store_commit_seconds`, help: 'Time to commit one batch of appends.', labelNames: ['ok'], buckets: SECONDS, registers });
  const publish = new Histogram({ name: `${prefix}broker_publish_seconds`, help: 'Time to hand one event to the broker.', labelNames: ['ok'], buckets: SECONDS, registers });
  const http = new Histogram({ name: `${prefix}http_request_seconds`, help: 'HTTP requests, by method, route pattern and status.', labelNames: ['method', 'route', 'status'], buckets: SECONDS, registers });
  const refusedUpgrades = new Counter({ name: `${prefix}upgrades_refused_total`, help: 'WebSocket upgrades refused, by HTTP status.', labelNames: ['status'], registers });

  return {
    registry,
    core: {
      acked(kind, duplicate) {
        acks.inc({ kind, duplicate: String(duplicate) });
        if (!duplicate) messagesIn.inc({ kind });
      },
      messageDelivered(kind, deliveries, latencyMs) {
        if (deliveries > 0) messagesOut.inc({ kind }, deliveries);
        latency.observe({ kind }, Math.max(0, latencyMs) / 1000);
      },
      joined: (outcome) => joins.inc({ resume: outcome }),
      refused: (code) => errors.inc({ code }),
      slowConsumerClosed: () => slow.inc(),
      repaired: (kind, messages) => repairs.inc({ kind }, messages),
    },
    storeCommit(items, ms, ok) {
      batch.observe(items);
      commit.observe({ ok: String(ok) }, ms / 1000);
    },
    brokerPublish: (ms, ok) => publish.observe({ ok: String(ok) }, ms / 1000),
    httpRequest: (method, route, status, ms) => http.observe({ method, route, status: String(status) }, ms / 1000),
    upgradeRefused: (status) => refusedUpgrades.inc({ status: String(status) }),
    countConnections(count) {
      connections = count;
    },
  };
}
