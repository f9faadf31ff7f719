// Usertest defects (lb1): error messages must name the option and show the value received.
import { describe, expect, it } from 'vitest';
import { strategies } from './_strategies.js';

describe('error messages', () => {
  for (const { name, make } of strategies) {
    describe(name, () => {
      it('endpoints that is not an array names `endpoints` and says it expects an array', () => {
        expect(() => make({ endpoints: 'a' as never })).toThrow(TypeError);
        expect(() => make({ endpoints: 'a' as never })).toThrow(/Expected `endpoints` to be an array.*got "a"/);
      });

      it('setHealthy with a string shows the value quoted', () => {
        const lb = make({ endpoints: [{ id: 'a' }] });
        expect(() => lb.setHealthy('a', 'false' as never)).toThrow(/Expected `healthy` to be a boolean, got "false"/);
      });

      it('a number id shows the value, not just its type', () => {
        expect(() => make({ endpoints: [{ id: 1 as never }] })).toThrow(/Expected `endpoint\.id` to be a string, got 1\b/);
      });

      it('exclude passed as an array is a TypeError naming `exclude`', () => {
        const lb = make({ endpoints: [{ id: 'a' }, { id: 'b' }] });
        expect(() => lb.pick({ key: 'k', exclude: ['a'] as never })).toThrow(TypeError);
        expect(() => lb.pick({ key: 'k', exclude: ['a'] as never })).toThrow(/Expected `exclude` to be a ReadonlySet/);
        expect(() => lb.pick({ key: 'k', exclude: [] as never })).toThrow(/`exclude`/);
        expect(lb.stateOf('a')?.active).toBe(0);
        expect(lb.stateOf('b')?.active).toBe(0);
        // a duck-typed ReadonlySet is accepted
        const only = { has: (id: string) => id === 'a', size: 1 } as unknown as ReadonlySet<string>;
        expect(lb.pick({ key: 'k', exclude: only }).endpoint.id).toBe('b');
      });
    });
  }
});
