/**
 * The contract between a stateful `@scaling/*` object and the monitoring adapters
 * (`@scaling/prometheus`, `@scaling/opentelemetry`): a `stats()` snapshot, and the options of their
 * `register`. One definition, imported by both adapters and re-exported by each under the same names.
 */

/**
 * Anything with a `stats()` snapshot: every stateful `@scaling/*` object, or an adapter you write for
 * your own component. The monitoring adapters read it at scrape / collection time only.
 *
 * What `stats()` returns, by the house convention (`docs/monitoring/conventions.md`, section 3) — a
 * **fresh plain object** on each call; calling it must never change state:
 * - top-level **numbers** are **counters** (monotonic since construction: `hits`, `misses`,
 *   `completed`) or **gauges** (current levels: `size`, `pending`, `active`, `hitRatio`, … — the closed
 *   list the adapters export as `DEFAULT_GAUGE_FIELDS`; pass others in the adapter's `gauges` option);
 *   non-finite numbers are skipped;
 * - **booleans** are gauges (0/1); **strings** are states (exported as a label / attribute whose value
 *   is the state, with the value 1);
 * - **latency histograms** are `@scaling/core` `Histogram`s, in **milliseconds**, in a field named
 *   `<what>Duration` (`waitDuration`, `requestDuration`), handed out as a copy (`histogram.clone()`);
 *   the adapters export them in seconds;
 * - numbers that are times but not histograms carry their unit in the name: `…Ms` (exported in seconds);
 * - **per-member breakdowns** go under a collection key: `endpoints` (label `endpoint`), `replicas`
 *   (`replica`), `checks`, `levels`, `tiers`, `partitions` — `{ endpoints: { [id]: { requests, active,
 *   requestDuration } } }`;
 * - any other nested plain object is a **group**, flattened into the metric name (`shed.limit` →
 *   `shed_limit`); arrays, `null`, `undefined` and functions are skipped.
 *
 * @example
 * ```ts
 * import { Histogram, type StatsSource } from '@scaling/core';
 *
 * class Pool implements StatsSource {
 *   #acquired = 0;
 *   #idle = 4;
 *   #wait = new Histogram();
 *   stats() {
 *     // counter, gauge (add 'idle' to the adapter's `gauges`), histogram in ms
 *     return { acquired: this.#acquired, idle: this.#idle, waitDuration: this.#wait.clone() };
 *   }
 * }
 * ```
 */
export interface StatsSource {
  /**
   * A fresh snapshot (see {@link StatsSource} for the shape): numbers, booleans and strings, possibly
   * nested in plain objects (groups, member collections), with `@scaling/core` `Histogram`s (ms) for
   * latencies. Called by the adapters at scrape / collection time only; it must not change state. The
   * adapters throw a `TypeError` at registration when it does not return an object.
   */
  stats(): object;
}

/**
 * An OpenTelemetry semantic-convention metric that a latency histogram of a `stats()` snapshot can be
 * exported under, in the adapters' per-registration option `semanticConventions` (keyed by the
 * histogram's field path, member ids as `*`):
 * - `'db.client.operation.duration'`: a database client's operation duration (seconds), e.g. the
 *   `queryDuration` of a `@scaling/replica-router-pg` `ReplicatedPool`; a member id that is `host:port`
 *   or a URL origin becomes `server.address` / `server.port`.
 *
 * `'http.client.request.duration'` is not among them: the convention requires `http.request.method`
 * and `http.response.status_code`, which a per-endpoint snapshot histogram does not have. It is
 * recorded per request from the `scaling:http-client:request` tracing channel by `@scaling/opentelemetry`'s
 * `recordHttpClientMetrics`.
 */
export type SemanticConventionName = 'db.client.operation.duration';

/**
 * Per-registration options of the adapters' `register(name, source, labels?, options?)`
 * (`@scaling/prometheus` `StatsCollector`, `@scaling/opentelemetry` `StatsInstruments`).
 */
export interface StatsRegistrationOptions {
  /**
   * Latency histograms exported under an OpenTelemetry semantic-convention name instead of the scaling
   * name, keyed by the histogram's field path in `stats()` with member ids as `*` (default none): e.g.
   * `{ queryDuration: 'db.client.operation.duration' }` for a `@scaling/replica-router-pg` pool →
   * OpenTelemetry `db.client.operation.duration` (pass `'db.system.name': 'postgresql'` in the
   * attributes, as the convention requires), Prometheus `db_client_operation_duration_seconds`. A member
   * id that is a URL origin or `host:port` becomes `server.address` / `server.port` (Prometheus
   * `server_address` / `server_port`) instead of the member label.
   *
   * The adapters throw a `TypeError` for a name not in {@link SemanticConventionName} — with the reason
   * for `'http.client.request.duration'`: an `@scaling/http-client` dispatcher's
   * `endpoints.*.requestDuration` keeps its scaling name (`scaling_http_client_endpoint_request_duration_seconds{endpoint}`,
   * `scaling.http_client.endpoint.request_duration`).
   */
  semanticConventions?: Readonly<Record<string, SemanticConventionName>>;
}
