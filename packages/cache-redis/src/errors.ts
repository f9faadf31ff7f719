import { ScalingError } from '@scaling/core';

/**
 * A value could not be serialised for L2 (a function, a symbol, a cycle, `NaN`, a class instance the
 * serializer does not know…). Thrown by `set`/`getOrLoad` before anything is written: neither L1 nor L2
 * holds a half-written entry. Code `ERR_CACHE_SERIALIZE`.
 */
export class SerializationError extends ScalingError {
  /** The key whose value was refused. */
  readonly key: string;
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super('ERR_CACHE_SERIALIZE', message, options);
    this.key = key;
  }
  /** `'SerializationError'`. */
  override get name(): string {
    return 'SerializationError';
  }
}

/**
 * A value read from L2 could not be decoded (written by another serializer or a foreign client). The
 * read counts as a miss; the error is reported on the `l2-error` event. Code `ERR_CACHE_DESERIALIZE`.
 */
export class DeserializationError extends ScalingError {
  /** The key whose stored value was unreadable. */
  readonly key: string;
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super('ERR_CACHE_DESERIALIZE', message, options);
    this.key = key;
  }
  /** `'DeserializationError'`. */
  override get name(): string {
    return 'DeserializationError';
  }
}

/**
 * A key (with the tier's prefix and namespace) is longer than `maxKeyBytes` UTF-8 bytes (Redis accepts
 * keys up to 512 MiB, but every key also travels on the invalidation bus). Code `ERR_CACHE_KEY_TOO_LONG`.
 */
export class KeyTooLongError extends ScalingError {
  /** The key's length in UTF-8 bytes, prefix included. */
  readonly bytes: number;
  /** The limit that was exceeded. */
  readonly maxBytes: number;
  constructor(bytes: number, maxBytes: number) {
    super('ERR_CACHE_KEY_TOO_LONG', `The cache key is ${bytes} bytes long (prefix included); the limit is maxKeyBytes = ${maxBytes}`);
    this.bytes = bytes;
    this.maxBytes = maxBytes;
  }
  /** `'KeyTooLongError'`. */
  override get name(): string {
    return 'KeyTooLongError';
  }
}

/**
 * A serialised value is larger than `maxValueBytes` (at most Redis's 512 MiB string limit). Nothing is
 * written. Code `ERR_CACHE_VALUE_TOO_LARGE`.
 */
export class ValueTooLargeError extends ScalingError {
  /** The key whose value was refused. */
  readonly key: string;
  /** Serialised size in UTF-8 bytes. */
  readonly bytes: number;
  constructor(key: string, bytes: number, maxBytes: number) {
    super(
      'ERR_CACHE_VALUE_TOO_LARGE',
      `The serialised value of ${JSON.stringify(key)} is ${bytes} bytes; the limit is maxValueBytes = ${maxBytes}`,
    );
    this.key = key;
    this.bytes = bytes;
  }
  /** `'ValueTooLargeError'`. */
  override get name(): string {
    return 'ValueTooLargeError';
  }
}

/**
 * L2 was not asked because its circuit breaker is open (Redis failed repeatedly). Seen on `l2-error`
 * events and as the `error` of fail-safe results, never thrown by reads. Code `ERR_CACHE_L2_UNAVAILABLE`.
 */
export class L2UnavailableError extends ScalingError {
  constructor(message = 'L2 (Redis) is unavailable: its circuit breaker is open') {
    super('ERR_CACHE_L2_UNAVAILABLE', message);
  }
  /** `'L2UnavailableError'`. */
  override get name(): string {
    return 'L2UnavailableError';
  }
}

/** The tier was closed; every operation after `close()` rejects with this. Code `ERR_CACHE_CLOSED`. */
export class TierClosedError extends ScalingError {
  constructor() {
    super('ERR_CACHE_CLOSED', 'The tiered cache is closed');
  }
  /** `'TierClosedError'`. */
  override get name(): string {
    return 'TierClosedError';
  }
}
