// Streaming an origin body to the client while keeping a bounded copy to store.
import type { Readable } from 'node:stream';
import type { ResponseSink } from './sink.js';

/**
 * Streams an origin body to `sink` (when there is one) while keeping a copy of at most `capBytes` bytes.
 * Resolves with the whole body once it ended — or `undefined` when it was larger than the cap (the copy
 * is dropped as soon as it grows past it, so a large response is never buffered whole) or cut short
 * (an error, or a close before the end: such a body is never stored). Never rejects.
 *
 * @param onOverCap called once, as soon as the body grows past `capBytes` (the engine releases the
 *   requests waiting for the body to be stored then, rather than when it ends).
 */
export function streamAndCollect(
  body: Readable,
  sink: ResponseSink | undefined,
  capBytes: number,
  onOverCap?: () => void,
): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let bytes = 0;
  return new Promise<Buffer | undefined>((resolve) => {
    let ended = false;
    body.on('data', (chunk: Buffer) => {
      if (bytes <= capBytes) {
        bytes += chunk.length;
        if (bytes <= capBytes) chunks.push(chunk);
        else {
          chunks.length = 0; // over the cap: stop keeping a copy
          onOverCap?.();
        }
      }
      sink?.write(chunk);
    });
    body.on('end', () => {
      ended = true;
      sink?.end();
      resolve(bytes <= capBytes ? (chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, bytes)) : undefined);
    });
    body.on('error', (error) => {
      sink?.destroy(error);
      resolve(undefined);
    });
    // A body cut short (origin reset, timeout) may close without 'error': never store it, never hang waiters.
    body.on('close', () => {
      if (ended) return;
      sink?.destroy();
      resolve(undefined);
    });
  });
}
