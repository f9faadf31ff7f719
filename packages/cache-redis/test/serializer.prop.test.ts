import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonSerializer } from '../src/index.js';

// Values the default serializer promises to keep: JSON values plus Date, Buffer, Uint8Array and bigint,
// nested anywhere (no undefined, no -0: JSON has no way to say them).
const leaf = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
  fc.bigInt(),
  fc.date({ noInvalidDate: true }),
  fc.uint8Array({ maxLength: 8 }).map((a) => Buffer.from(a)),
  fc.uint8Array({ maxLength: 8 }),
);
const value = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 4 }), fc.dictionary(fc.string(), tie('v'), { maxKeys: 4 })),
})).v;

describe('jsonSerializer', () => {
  it('round-trips JSON values with Date, Buffer, Uint8Array and bigint anywhere, keeping their types', () => {
    fc.assert(
      fc.property(value, (v) => {
        expect(jsonSerializer.deserialize(jsonSerializer.serialize(v))).toEqual(v);
      }),
    );
  });

  it('a tagged-looking user string is kept as a string', () => {
    const v = { s: '{"\\u0000t":"Date","v":"1970-01-01T00:00:00.000Z"}', t: '\u0000t' };
    expect(jsonSerializer.deserialize(jsonSerializer.serialize(v))).toEqual(v);
  });
});
