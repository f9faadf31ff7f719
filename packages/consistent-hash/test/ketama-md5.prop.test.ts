import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { md5 } from '../src/_md5.js';

const hex = (words: Uint32Array) => Buffer.from(words.buffer, words.byteOffset, 16).toString('hex');

describe('the ketama mode MD5 matches node:crypto', () => {
  it('on any string (UTF-8) and any bytes, every padding length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 150 }), (s) => {
        expect(hex(md5(s))).toBe(createHash('md5').update(s, 'utf8').digest('hex'));
      }),
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expect(hex(md5(b))).toBe(createHash('md5').update(b).digest('hex'));
      }),
    );
  });

  it('RFC 1321 test suite', () => {
    expect(hex(md5(''))).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(hex(md5('abc'))).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(hex(md5('12345678901234567890123456789012345678901234567890123456789012345678901234567890'))).toBe(
      '57edf4a22be3c955ac49da2e2107b67a',
    );
  });
});
