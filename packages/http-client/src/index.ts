/**
 * `@scaling/http-client`: an undici dispatcher that balances requests over several origins, with passive
 * health (outlier detection) and active health checks, retries on other endpoints within a budget, hedging, timeouts and endpoint discovery.
 *
 * @module
 */

export {
  BalancedDispatcher,
  type BalancedDispatcherOptions,
  type BalancedRetryOptions,
  createBalancedDispatcher,
} from './balanced-dispatcher.js';
export {
  type DnsAddressRecord,
  type DnsDiscoveryOptions,
  type DnsResolverLike,
  type DnsSrvRecord,
  dnsDiscovery,
} from './dns-discovery.js';
export { EndpointsFailedError } from './errors.js';
export type {
  AttemptResult,
  BalancedDispatcherEvents,
  BalancedDispatcherStats,
  BalancedHealthCheckOptions,
  BalancedHedgeOptions,
  BalancedRequestTrace,
  DiscoveryAnswer,
  EndpointStats,
  HttpEndpoint,
  HttpEndpointInput,
} from './types.js';
