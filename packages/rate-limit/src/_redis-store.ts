import { createHash } from 'node:crypto';
import { Decider } from './_decide.js';
import { GCRA_SCRIPT, RATE_LIMIT_SCRIPT } from './_lua.js';
import type { CompiledRule } from './_rules.js';
import type { Store } from './_store.js';
import type { RateLimitDecision } from './limits.js';
import type { RedisCommand } from './redis-client.js';

const sha1 = (s: string): string => createHash('sha1').update(s).digest('hex');
const GENERIC = { source: RATE_LIMIT_SCRIPT, sha: sha1(RATE_LIMIT_SCRIPT) };
const GCRA = { source: GCRA_SCRIPT, sha: sha1(GCRA_SCRIPT) };

/**
 * The shared store: one `EVALSHA` per decision (the script is sent with `EVAL` only when the server answers
 * `NOSCRIPT`, i.e. once per server and after a `SCRIPT FLUSH` or restart). Keys are
 * `<prefix>{<key>}:<rule index>`: the hash tag keeps every rule of a key in one Redis Cluster slot, so the
 * script's keys never cross slots.
 */
export class RedisStore implements Store {
  readonly kind = 'redis';
  readonly decider: Decider;
  readonly #send: RedisCommand;
  readonly #prefix: string;
  readonly #ruleArgs: string[];
  readonly #n: string;
  readonly #script: { source: string; sha: string };
  /** Scripts sent with EVAL after NOSCRIPT (for stats and tests). */
  scriptLoads = 0;

  constructor(rules: readonly CompiledRule[], send: RedisCommand, prefix: string) {
    this.decider = new Decider(rules);
    this.#send = send;
    this.#prefix = prefix;
    this.#n = String(rules.length);
    this.#script = rules.every((r) => r.algorithm === 'gcra') ? GCRA : GENERIC;
    this.#ruleArgs = [];
    for (const r of rules) this.#ruleArgs.push(String(r.code), String(r.limit), String(r.periodMs), String(r.burst));
  }

  keysOf(key: string): string[] {
    const base = `${this.#prefix}{${key}}:`;
    const keys: string[] = [];
    for (let i = 0; i < this.decider.rules.length; i++) keys.push(base + i);
    return keys;
  }

  consume(key: string, cost: number, now?: number): Promise<RateLimitDecision> {
    const n = this.decider.rules.length;
    const base = `${this.#prefix}{${key}}:`;
    const args: string[] = ['EVALSHA', this.#script.sha, this.#n];
    for (let i = 0; i < n; i++) args.push(base + i);
    args.push(now === undefined ? '' : String(now), String(cost));
    for (const a of this.#ruleArgs) args.push(a);
    const first = args[3] as string;
    return this.#send(args, first).then(this.#parse, (e: unknown) => {
      if (!String((e as Error)?.message ?? e).includes('NOSCRIPT')) throw e;
      this.scriptLoads++;
      args[0] = 'EVAL';
      args[1] = this.#script.source;
      return this.#send(args, first).then(this.#parse);
    });
  }

  readonly #parse = (reply: unknown): RateLimitDecision => {
    const r = reply as [number | string, string, string, string, number | string];
    const rule = Array.isArray(reply) ? this.decider.rules[Number(r[4]) - 1] : undefined;
    if (rule === undefined) throw new Error(`unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`);
    return {
      allowed: Number(r[0]) === 1,
      remaining: Number(r[1]),
      resetMs: Number(r[2]) / 1000,
      retryAfterMs: Number(r[3]) / 1000,
      rule: rule.rule,
      degraded: false,
    };
  };

  async reset(key: string): Promise<void> {
    const keys = this.keysOf(key);
    await this.#send(['DEL', ...keys], keys[0] as string);
  }
}
