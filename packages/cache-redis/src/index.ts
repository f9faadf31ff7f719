export {
  DeserializationError,
  KeyTooLongError,
  L2UnavailableError,
  SerializationError,
  TierClosedError,
  ValueTooLargeError,
} from './errors.js';
export { type IoredisLike, type IoredisTransportOptions, ioredisTransport } from './ioredis-transport.js';
export { jsonSerializer, type Serializer } from './serializer.js';
export { createTieredCache, TieredCache } from './tiered-cache.js';
export type { BusHandlers, RedisTransport, WriteMarker } from './transport.js';
export type {
  TierEvents,
  TieredCacheOptions,
  TierLoader,
  TierLoaderContext,
  TierLoadOptions,
  TierResult,
  TierSetOptions,
  TierStats,
  TierStatus,
  WriteStatus,
} from './types.js';
