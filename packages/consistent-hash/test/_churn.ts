import fc from 'fast-check';
import { expect } from 'vitest';
import type { ConsistentHash } from '../src/index.js';

/** Sample keys shared by the conformance properties. */
export const KEYS = Array.from({ length: 400 }, (_, i) => `key:${i}`);

/** Owner of each key. */
export function owners(h: ConsistentHash, keys: readonly string[] = KEYS): string[] {
  return keys.map((k) => h.getNode(k));
}

// ---- model-based churn -------------------------------------------------------------------------

const CHURN_KEYS = KEYS.slice(0, 120);
type Model = { nodes: string[] };

/** Checks size, membership, liveness, and that only keys of the changed node moved. */
function checkStep(
  real: ConsistentHash,
  model: Model,
  before: string[] | undefined,
  changed: string | undefined,
  added: boolean,
  allowedStray: number,
): void {
  expect(real.size).toBe(model.nodes.length);
  expect([...real.nodes()].sort()).toEqual([...model.nodes].sort());
  if (model.nodes.length === 0) return;
  const after = owners(real, CHURN_KEYS);
  for (const o of after) expect(model.nodes).toContain(o);
  if (before === undefined || changed === undefined) return;
  let stray = 0;
  for (let i = 0; i < after.length; i++) {
    if (after[i] === before[i]) continue;
    // a moved key must go to the added node, or come from the removed node
    if (added ? after[i] !== changed : before[i] !== changed) stray++;
  }
  expect(stray).toBeLessThanOrEqual(allowedStray);
}

class AddCommand implements fc.Command<Model, ConsistentHash> {
  constructor(
    readonly node: string,
    readonly allowedStray: number,
  ) {}
  check(m: Readonly<Model>): boolean {
    return !m.nodes.includes(this.node);
  }
  run(m: Model, r: ConsistentHash): void {
    const before = m.nodes.length > 0 ? owners(r, CHURN_KEYS) : undefined;
    r.addNode(this.node);
    m.nodes.push(this.node);
    checkStep(r, m, before, this.node, true, this.allowedStray);
  }
  toString(): string {
    return `add(${JSON.stringify(this.node)})`;
  }
}

class RemoveCommand implements fc.Command<Model, ConsistentHash> {
  constructor(
    readonly pick: number,
    readonly lastOnly: boolean,
    readonly allowedStray: number,
  ) {}
  check(m: Readonly<Model>): boolean {
    return m.nodes.length > 0;
  }
  run(m: Model, r: ConsistentHash): void {
    const i = this.lastOnly ? m.nodes.length - 1 : this.pick % m.nodes.length;
    const node = m.nodes[i] as string;
    const before = owners(r, CHURN_KEYS);
    expect(r.removeNode(node)).toBe(true);
    m.nodes.splice(i, 1);
    checkStep(r, m, m.nodes.length > 0 ? before : undefined, node, false, this.allowedStray);
  }
  toString(): string {
    return `remove(#${this.pick})`;
  }
}

/**
 * Churn commands; `removal: 'last'` removes only the most recent node (jump); `disruption` is 'minimal' or the
 * fraction of keys allowed to move between unaffected nodes per step.
 */
export function churnCommands(removal: 'any' | 'last', disruption: 'minimal' | number) {
  const allowed = disruption === 'minimal' ? 0 : Math.floor(disruption * CHURN_KEYS.length);
  return fc.commands(
    [
      fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j').map((n) => new AddCommand(n, allowed)),
      fc.nat().map((p) => new RemoveCommand(p, removal === 'last', allowed)),
    ],
    { maxCommands: 25 },
  );
}
