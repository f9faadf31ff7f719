/** Stands in for `resolve` on an abandoned record, whose caller's promise has already been settled. @internal */
export function ABANDONED_RESOLVE(): void {}

/**
 * Rejects a caller's promise through its resolve function: a record keeps only `resolve` (the promise's reject
 * function is never referenced, so it is garbage at once — about 70 bytes less per queued task); failures are
 * the slow path and pay one extra promise.
 * @internal
 */
export function settleRejected(resolve: (value: unknown) => void, reason: unknown): void {
  resolve(Promise.reject(reason));
}

/** Reports an error from a user callback that has no caller to reject, the way listeners' errors are reported. @internal */
export function rethrowLater(error: unknown): void {
  process.nextTick(() => {
    throw error;
  });
}
