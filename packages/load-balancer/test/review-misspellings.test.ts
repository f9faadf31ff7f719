// Keys that would be silently ignored, found by a new-user review (2026-12): a misspelt endpoint `weight`, a
// misspelt strategy hook, a misspelt pick option, and a misleading message when a strategy declines.
import { describe, expect, it } from 'vitest';
import { Balancer, type Endpoint, NoEndpointError, type Strategy } from '../src/index.js';
import { strategies } from './_strategies.js';

describe('new-user review, 2026-12: misspelt keys are errors, not silence', () => {
  it.each(strategies.map((c) => [c.name, c.make] as const))(
    '%s: an endpoint with `wieght` (and no `weight`) is refused, naming both keys',
    (_name, make) => {
      expect(() => make({ endpoints: [{ id: 'a', wieght: 5 } as Endpoint] })).toThrow(/`wieght` in endpoint \(did you mean `weight`\?\)/);
      const lb = make({ endpoints: [{ id: 'a' }] });
      expect(() => lb.add({ id: 'b', Weight: 9 } as Endpoint)).toThrow(/`Weight`/);
      expect(lb.size).toBe(1);
    },
  );

  it.each(strategies.map((c) => [c.name, c.make] as const))(
    '%s: endpoints keep keys of their own (url, height, ip), and `weight` beside a look-alike is fine',
    (_name, make) => {
      const lb = make({
        endpoints: [{ id: 'a', url: 'http://a', height: 3, ip: '10.0.0.1' } as Endpoint, { id: 'b', weight: 2, weigth: 1 } as Endpoint],
      });
      expect(lb.size).toBe(2);
    },
  );

  it.each(strategies.map((c) => [c.name, c.make] as const))(
    '%s: pick({ exlude }) is refused instead of picking as if nothing were excluded',
    (_name, make) => {
      const lb = make({ endpoints: [{ id: 'a' }, { id: 'b' }] });
      expect(() => lb.pick({ exlude: new Set(['a']) } as never)).toThrow(/Unknown option `exlude` in pick options/);
      lb.pick({}).release();
      lb.pick({ exclude: undefined }).release();
      expect(lb.activeRequests('a')! + lb.activeRequests('b')!).toBe(0);
    },
  );

  it('a strategy hook spelt `onAdded` or `release` is refused (it would never run); a class with its own methods is not', () => {
    const pick = () => 0;
    expect(() => new Balancer({ strategy: { pick, onAdded() {} } as Strategy, endpoints: [{ id: 'a' }] })).toThrow(
      /`onAdded` in strategy \(did you mean `added`\?\)/,
    );
    expect(() => new Balancer({ strategy: { pick, release() {} } as Strategy, endpoints: [{ id: 'a' }] })).toThrow(
      /did you mean `released`/,
    );
    class Mine implements Strategy {
      readonly history: number[] = [];
      pick(): number {
        return 0;
      }
      added(p: number): void {
        this.history.push(p);
      }
      reset(): void {}
    }
    const s = new Mine();
    new Balancer({ strategy: s, endpoints: [{ id: 'a' }] });
    expect(s.history).toEqual([0]);
  });

  it('a strategy returning -1 with nothing excluded says so (not "every eligible endpoint is excluded")', () => {
    const lb = new Balancer({ strategy: { pick: () => -1 }, endpoints: [{ id: 'a' }, { id: 'b' }] });
    const err = (() => {
      try {
        lb.pick();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(NoEndpointError);
    expect((err as Error).message).toMatch(/returned -1 \(no choice\) among 2 endpoints, none excluded/);
    expect(lb.stats().rejected).toBe(1);
    expect(() => lb.pick({ exclude: new Set(['a', 'b']) })).toThrow(/excluded/);
  });
});
