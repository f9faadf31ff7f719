// Signals arriving during a shutdown never kill the process before its hooks ran (issue 13, point 6; the
// kind reported against terminus and lightship, where a second SIGTERM/SIGINT during the drain hit Node's
// default handler and exited mid-hook). Each case in a child process with real signals.
import { describe, expect, it } from 'vitest';
import { runFixture } from './_child.js';

describe('signals during a shutdown (child processes)', () => {
  it('a repeated SIGTERM (and a SIGINT) during the hooks is ignored: the hook finishes and the exit code is 0', async () => {
    const app = runFixture('repeated-signal.ts', ['ignore']);
    await app.waitFor('ready');
    app.child.kill('SIGTERM');
    await app.waitFor('hook started');
    app.child.kill('SIGTERM');
    await app.waitFor('signal SIGTERM repeated');
    app.child.kill('SIGINT');
    await app.waitFor('signal SIGINT repeated');
    expect(app.lines).not.toContain('hook finished');
    app.send('release');
    const { code, signal } = await app.exited;
    expect(app.stderr()).toBe('');
    expect(signal).toBeNull();
    expect(code).toBe(0);
    const order = ['signal SIGTERM first', 'hook started', 'signal SIGTERM repeated', 'hook finished', 'exit 0'].map((l) =>
      app.lines.indexOf(l),
    );
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  }, 20_000);

  it('with forceExitOnRepeat a second signal exits at once with code 1 (opt-in: the hook does not finish)', async () => {
    const app = runFixture('repeated-signal.ts', ['force']);
    await app.waitFor('ready');
    app.child.kill('SIGTERM');
    await app.waitFor('hook started');
    app.child.kill('SIGINT');
    const { code, signal } = await app.exited;
    expect(signal).toBeNull();
    expect(code).toBe(1);
    expect(app.lines).toContain('exit 1');
    expect(app.lines).not.toContain('hook finished');
  }, 20_000);
});
