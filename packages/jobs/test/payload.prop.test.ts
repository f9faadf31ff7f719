import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidPayloadError, serializePayload } from '../src/index.js';

describe('payload validation (issue 20: a payload crosses a process boundary unchanged, or is rejected)', () => {
  it('every JSON value is accepted and round-trips unchanged', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = serializePayload(v, 10_000_000);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(v)));
      }),
    );
  });
  it('a value JSON would drop or change is rejected with its path, wherever it is nested', () => {
    const bad = fc.constantFrom<unknown>(() => 1, undefined, new Date(0), 1n, Number.NaN, Number.POSITIVE_INFINITY, new Map(), Symbol('s'));
    fc.assert(
      fc.property(fc.jsonValue(), bad, fc.array(fc.constantFrom('a', 'b', 0, 1), { maxLength: 4 }), (base, poison, path) => {
        // Nest the poison at `path` inside objects/arrays.
        let v: unknown = poison;
        let where = '';
        for (const step of [...path].reverse()) {
          if (typeof step === 'number') {
            const arr: unknown[] = [null, null];
            arr[step] = v;
            v = arr;
            where = `[${step}]${where}`;
          } else {
            v = { [step]: v };
            where = `.${step}${where}`;
          }
        }
        const payload = { base, v };
        try {
          serializePayload(payload, 10_000_000);
          expect.unreachable('accepted a value JSON cannot carry');
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidPayloadError);
          expect((e as InvalidPayloadError).path).toBe(`$.v${where}`);
          expect((e as InvalidPayloadError).code).toBe('ERR_INVALID_PAYLOAD');
        }
      }),
    );
  });
  it('rejects cycles and payloads over the size limit', () => {
    const a: unknown[] = [];
    a.push({ a });
    expect(() => serializePayload(a, 1000)).toThrow(/cycle/);
    expect(() => serializePayload('x'.repeat(20), 10)).toThrow(/22 bytes is over the backend's limit of 10 bytes/);
    // A shared (non-cyclic) reference is fine.
    const shared = { x: 1 };
    expect(serializePayload({ p: shared, q: shared }, 1000)).toBe('{"p":{"x":1},"q":{"x":1}}');
  });
});
