/** A promise with its settle functions exposed, to finish a task exactly when a test says so. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (reason: unknown) => void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

/** Lets every pending promise callback run (one macrotask turn); not a sleep. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Records how a promise settled, without ever leaving it unhandled. */
export function track<T>(p: Promise<T>): { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; reason?: unknown; count: number } {
  const t: { state: 'pending' | 'fulfilled' | 'rejected'; value?: T; reason?: unknown; count: number } = { state: 'pending', count: 0 };
  p.then(
    (value) => {
      t.state = 'fulfilled';
      t.value = value;
      t.count++;
    },
    (reason) => {
      t.state = 'rejected';
      t.reason = reason;
      t.count++;
    },
  );
  return t;
}

/** An error with a label, to tell attempts apart. */
export class AttemptError extends Error {
  constructor(readonly n: number) {
    super(`attempt ${n} failed`);
  }
}

/** A promise that never settles (a hung dependency). */
export function never<T = never>(): Promise<T> {
  return new Promise<T>(() => {});
}
