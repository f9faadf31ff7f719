/**
 * The few Redis commands the rate limiter sends, behind one function, so both popular clients work unchanged.
 */
import { describeValue } from '@scaling/core/internal';

/**
 * Sends one Redis command (`['EVALSHA', sha, '1', key, …]`) and resolves with the raw reply. `key` is the
 * command's first key (for cluster clients that route by key).
 */
export type RedisCommand = (args: string[], key: string) => Promise<unknown>;

/**
 * A client the limiter accepts: an ioredis `Redis` or `Cluster` (it has `call(command, ...args)`), a node-redis
 * v4+ client (it has `sendCommand(args)`), or a {@link RedisCommand} function for anything else (e.g. a
 * node-redis cluster: `(args, key) => cluster.sendCommand(key, false, args)`).
 */
export type RedisClientLike =
  | {
      /** ioredis: sends `command` with `args` and resolves with the raw reply. */
      call(command: string, ...args: string[]): Promise<unknown>;
    }
  | {
      /** node-redis v4+: sends the command `args` (name first) and resolves with the raw reply. */
      sendCommand(args: string[]): Promise<unknown>;
    }
  | RedisCommand;

/** Turns any {@link RedisClientLike} into a {@link RedisCommand}. */
export function toRedisCommand(client: RedisClientLike): RedisCommand {
  if (typeof client === 'function') return client;
  if (typeof client === 'object' && client !== null) {
    const c = client as { call?: unknown; sendCommand?: unknown };
    if (typeof c.call === 'function') {
      // ioredis flattens array arguments: one array, no spread
      const ioredis = client as unknown as { call(command: string, args: string[]): Promise<unknown> };
      return (args) => ioredis.call(args[0] as string, args.slice(1));
    }
    if (typeof c.sendCommand === 'function') {
      const nodeRedis = client as { sendCommand(args: string[]): Promise<unknown> };
      return (args) => nodeRedis.sendCommand(args);
    }
  }
  throw new TypeError(
    `Expected \`redis.client\` to be an ioredis client, a node-redis client or a (args, key) => Promise function, got ${describeValue(client)}`,
  );
}
