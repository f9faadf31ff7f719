import { createHash } from 'node:crypto';
import { Decider } from './_decide.js';
import { RATE_LIMIT_SCRIPT } from './_lua.js';
import type { CompiledRule } from './_rules.js';
import type { Store } from './_store.js';
import type { RateLimitDecision } from './limits.js';
import type { RedisCommand } from './redis-client.js';

const SHA = createHash('sha1').update(RATE_LIMIT_SCRIPT).digest('hex');

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
  /** Scripts sent with EVAL after NOSCRIPT (for stats and tests). */
  scriptLoads = 0;

  constructor(rules: readonly CompiledRule[], send: RedisCommand, prefix: string) {
    this.decider = new Decider(rules);
    this.#send = send;
    this.#prefix = prefix;
    this.#n = String(rules.length);
    this.#ruleArgs = [];
    for (const r of rules) this.#ruleArgs.push(String(r.code), String(r.limit), String(r.periodMs), String(r.burst));
  }

  keysOf(key: string): string[] {
    const base = `${this.#prefix}{${key}}:`;
    const keys: string[] = [];
    for (let i = 0; i < this.decider.rules.length; i++) keys.push(base + i);
    return keys;
  }

  async consume(key: string, cost: number, now?: number): Promise<RateLimitDecision> {
    const keys = this.keysOf(key);
    const tail = [...keys, now === undefined ? '' : String(now), String(cost), ...this.#ruleArgs];
    let reply: unknown;
    try {
      reply = await this.#send(['EVALSHA', SHA, this.#n, ...tail], keys[0] as string);
    } catch (e) {
      if (!String((e as Error)?.message ?? e).includes('NOSCRIPT')) throw e;
      this.scriptLoads++;
      reply = await this.#send(['EVAL', RATE_LIMIT_SCRIPT, this.#n, ...tail], keys[0] as string);
    }
    const r = reply as [number | string, string, string, string, number | string];
    const rule = this.decider.rules[Number(r[4]) - 1];
    if (!Array.isArray(reply) || rule === undefined)
      throw new Error(`unexpected reply from the rate-limit script: ${JSON.stringify(reply)}`);
    return {
      allowed: Number(r[0]) === 1,
      remaining: Number(r[1]),
      resetMs: Number(r[2]),
      retryAfterMs: Number(r[3]),
      rule: rule.rule,
      degraded: false,
    };
  }

  async reset(key: string): Promise<void> {
    const keys = this.keysOf(key);
    await this.#send(['DEL', ...keys], keys[0] as string);
  }
}
