import type { Dispatcher } from 'undici';

type Controller = Dispatcher.DispatchController;
type Handler = Dispatcher.DispatchHandler;
type Headers = Record<string, string | string[] | undefined>;

function raw(headers: Headers | null | undefined): Buffer[] {
  const out: Buffer[] = [];
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) out.push(Buffer.from(k, 'latin1'), Buffer.from(item, 'latin1'));
    else out.push(Buffer.from(k, 'latin1'), Buffer.from(v, 'latin1'));
  }
  return out;
}

/** The new-style handler calls of undici 7, whatever style the caller's handler speaks (fetch speaks the legacy one). */
export interface NewHandler {
  onRequestStart(controller: Controller, context: unknown): void;
  onResponseStart(controller: Controller, statusCode: number, headers: Headers, statusMessage?: string): void;
  onResponseData(controller: Controller, chunk: Buffer): void;
  onResponseEnd(controller: Controller, trailers: Headers): void;
  onResponseError(controller: Controller, error: Error): void;
}

/** Adapts a legacy (`onConnect`/`onHeaders`/`onData`/`onComplete`/`onError`) handler, as undici's own WrapHandler does. */
export function toNewHandler(h: Handler): NewHandler {
  if (typeof h.onRequestStart === 'function' || typeof h.onResponseStart === 'function') {
    return {
      onRequestStart: (c, ctx) => h.onRequestStart?.(c, ctx),
      onResponseStart: (c, s, hd, m) => h.onResponseStart?.(c, s, hd as never, m),
      onResponseData: (c, d) => h.onResponseData?.(c, d),
      onResponseEnd: (c, t) => h.onResponseEnd?.(c, t as never),
      onResponseError: (c, e) => {
        if (h.onResponseError === undefined) throw e;
        h.onResponseError(c, e);
      },
    };
  }
  return {
    onRequestStart: (c) => h.onConnect?.((reason?: Error) => c.abort(reason ?? new Error('Request aborted'))),
    onResponseStart: (c, status, headers, message) => {
      if (h.onHeaders?.(status, raw(headers), () => c.resume(), message ?? '') === false) c.pause();
    },
    onResponseData: (c, data) => {
      if (h.onData?.(data) === false) c.pause();
    },
    onResponseEnd: (_c, trailers) => h.onComplete?.(raw(trailers) as never),
    onResponseError: (_c, e) => {
      if (h.onError === undefined) throw e;
      h.onError(e);
    },
  };
}
