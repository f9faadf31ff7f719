// Model-based test (fast-check `fc.commands`) of lease accounting across add/remove/re-add, with a
// deliberately broken balancer that the same test must catch.
import { seededRandom } from '@scaling/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Endpoint, type Lease, LeastConnections, PowerOfTwoChoices, RoundRobin } from '../src/index.js';

interface Real {
  lb: {
    pick(): Lease<Endpoint>;
    add(e: Endpoint): void;
    remove(id: string): boolean;
    activeRequests(id: string): number | undefined;
  };
  held: Array<{ lease: Lease<Endpoint>; id: string; instance: number }>;
}
interface Model {
  /** id → [instance number, outstanding leases on that instance] */
  live: Map<string, [number, number]>;
  nextInstance: number;
}

const check = (m: Model, r: Real) => {
  for (const [id, [, count]] of m.live) expect(r.lb.activeRequests(id)).toBe(count);
};

class Add implements fc.Command<Model, Real> {
  constructor(readonly id: string) {}
  check = (m: Readonly<Model>) => !m.live.has(this.id);
  run(m: Model, r: Real): void {
    r.lb.add({ id: this.id });
    m.live.set(this.id, [m.nextInstance++, 0]);
    check(m, r);
  }
  toString = () => `add(${this.id})`;
}

class Remove implements fc.Command<Model, Real> {
  constructor(readonly id: string) {}
  check = (m: Readonly<Model>) => m.live.has(this.id);
  run(m: Model, r: Real): void {
    expect(r.lb.remove(this.id)).toBe(true);
    m.live.delete(this.id);
    check(m, r);
  }
  toString = () => `remove(${this.id})`;
}

class Pick implements fc.Command<Model, Real> {
  check = (m: Readonly<Model>) => m.live.size > 0;
  run(m: Model, r: Real): void {
    const lease = r.lb.pick();
    const id = lease.endpoint.id;
    const entry = m.live.get(id);
    expect(entry).toBeDefined();
    if (entry === undefined) return;
    entry[1]++;
    r.held.push({ lease, id, instance: entry[0] });
    check(m, r);
  }
  toString = () => 'pick()';
}

class Release implements fc.Command<Model, Real> {
  constructor(
    readonly index: number,
    readonly twice: boolean,
  ) {}
  check = () => true;
  run(m: Model, r: Real): void {
    if (r.held.length === 0) return;
    const [h] = r.held.splice(this.index % r.held.length, 1);
    if (h === undefined) return;
    h.lease.release();
    if (this.twice) h.lease.release();
    const entry = m.live.get(h.id);
    if (entry !== undefined && entry[0] === h.instance) entry[1]--;
    check(m, r);
  }
  toString = () => `release(${this.index}${this.twice ? ', twice' : ''})`;
}

const ids = fc.constantFrom('a', 'b', 'c');
const commands = fc.commands(
  [
    ids.map((id) => new Add(id)),
    ids.map((id) => new Remove(id)),
    fc.constant(new Pick()),
    fc.tuple(fc.nat(), fc.boolean()).map(([i, t]) => new Release(i, t)),
  ],
  { maxCommands: 80, size: 'large' },
);

function property(make: () => Real['lb']) {
  return fc.property(commands, (cmds) => {
    fc.modelRun(() => ({ model: { live: new Map(), nextInstance: 0 }, real: { lb: make(), held: [] } }), cmds);
  });
}

/** Deliberately broken: counts per id, so an old lease released after remove + re-add hits the new instance. */
class CountsById {
  readonly #counts = new Map<string, number>();
  #next = 0;
  pick(): Lease<Endpoint> {
    const keys = [...this.#counts.keys()];
    const id = keys[this.#next++ % keys.length] as string;
    this.#counts.set(id, (this.#counts.get(id) ?? 0) + 1);
    let done = false;
    return {
      endpoint: { id },
      release: () => {
        if (done) return;
        done = true;
        if (this.#counts.has(id)) this.#counts.set(id, (this.#counts.get(id) ?? 0) - 1);
      },
    };
  }
  add(e: Endpoint): void {
    this.#counts.set(e.id, 0);
  }
  remove(id: string): boolean {
    return this.#counts.delete(id);
  }
  activeRequests(id: string): number | undefined {
    return this.#counts.get(id);
  }
}

describe('lease accounting across add / remove / re-add (model-based)', () => {
  it.each([
    ['RoundRobin', () => new RoundRobin()],
    ['LeastConnections', () => new LeastConnections({ random: seededRandom(1) })],
    ['PowerOfTwoChoices', () => new PowerOfTwoChoices({ random: seededRandom(1) })],
  ])('%s matches the model: counts per endpoint instance, never negative', (_name, make) => {
    fc.assert(property(make));
  });

  it('catches a balancer that counts per id instead of per instance', () => {
    expect(() => fc.assert(property(() => new CountsById()))).toThrow();
  });
});
