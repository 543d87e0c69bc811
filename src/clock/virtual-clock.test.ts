import { describe, expect, it } from 'vitest';
import { sleep } from './clock.js';
import { DEFAULT_VIRTUAL_START_MS, VirtualClock } from './virtual-clock.js';

describe('VirtualClock', () => {
  it('starts at 2026-01-01T00:00:00Z by default and only moves when advanced', async () => {
    const clock = new VirtualClock();
    expect(clock.now()).toBe(DEFAULT_VIRTUAL_START_MS);
    await clock.advance(1500);
    expect(clock.now()).toBe(DEFAULT_VIRTUAL_START_MS + 1500);
    expect(clock.elapsedMs).toBe(1500);
  });

  it('runs timers in time order and equal-time timers in insertion order', async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const order: string[] = [];
    clock.schedule(20, () => order.push('b@20'));
    clock.schedule(10, () => order.push('a@10'));
    clock.schedule(20, () => order.push('c@20'));
    clock.schedule(0, () => order.push('d@0'));
    await clock.advance(20);
    expect(order).toEqual(['d@0', 'a@10', 'b@20', 'c@20']);
  });

  it('lets promise callbacks run between timers', async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const seen: number[] = [];
    const task = (async () => {
      await sleep(clock, 100);
      seen.push(clock.now());
      await sleep(clock, 100);
      seen.push(clock.now());
    })();
    await clock.advance(250);
    await task;
    expect(seen).toEqual([100, 200]);
    expect(clock.now()).toBe(250);
  });

  it('counts pending timers and forgets cancelled ones', async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const timer = clock.schedule(10, () => {
      throw new Error('must not run');
    });
    clock.schedule(5, () => {});
    expect(clock.pending).toBe(2);
    timer.cancel();
    timer.cancel();
    expect(clock.pending).toBe(1);
    await clock.advance(20);
    expect(clock.pending).toBe(0);
    expect(clock.nextAt).toBeUndefined();
  });

  it('throws ESA_ERR_CLOCK_LOOP_LIMIT for a timer that reschedules itself with no delay', async () => {
    const clock = new VirtualClock({ startMs: 0, loopLimit: 50 });
    const spin = (): void => void clock.schedule(0, spin);
    spin();
    await expect(clock.advance(1)).rejects.toMatchObject({ code: 'ESA_ERR_CLOCK_LOOP_LIMIT' });
  });

  it('runAll() jumps from timer to timer and stops at its bound', async () => {
    const clock = new VirtualClock({ startMs: 0 });
    const fired: number[] = [];
    clock.schedule(1000, () => fired.push(clock.now()));
    clock.schedule(5000, () => fired.push(clock.now()));
    await clock.runAll();
    expect(fired).toEqual([1000, 5000]);
    const tick = (): void => void clock.schedule(1, tick);
    tick();
    await expect(clock.runAll(100)).rejects.toMatchObject({ code: 'ESA_ERR_CLOCK_LOOP_LIMIT' });
  });

  it('advanceSync() runs timers without yielding', () => {
    const clock = new VirtualClock({ startMs: 0 });
    const fired: number[] = [];
    clock.schedule(3, () => fired.push(clock.now()));
    clock.advanceSync(5);
    expect(fired).toEqual([3]);
    expect(clock.now()).toBe(5);
  });

  it('rejects a negative advance and bad options with the option name', async () => {
    const clock = new VirtualClock();
    expect(() => clock.advanceSync(-1)).toThrow(expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'ms' }));
    expect(() => new VirtualClock({ loopLimit: 0 })).toThrow(expect.objectContaining({ option: 'loopLimit' }));
  });

  it('lets promise callbacks run between timers through the flush it was given', async () => {
    let flushes = 0;
    const clock = new VirtualClock({
      startMs: 0,
      flush: () => {
        flushes++;
        return new Promise((resolve) => process.nextTick(resolve));
      },
    });
    const seen: number[] = [];
    const task = (async () => {
      for (let i = 0; i < 3; i++) {
        await sleep(clock, 100);
        // A chain of promise callbacks still ends before the next timer.
        await Promise.resolve();
        await Promise.resolve();
        seen.push(clock.now());
      }
    })();
    await clock.advance(350);
    await task;
    expect(seen).toEqual([100, 200, 300]);
    // One flush on entry, one after each of the three timers.
    expect(flushes).toBe(4);
  });

  it('refuses a flush that is not a function', () => {
    expect(() => new VirtualClock({ flush: 'nextTick' as never })).toThrow(
      expect.objectContaining({ code: 'ESA_ERR_INVALID_OPTION', option: 'flush' }),
    );
  });

  it('refuses to advance twice at once', async () => {
    const clock = new VirtualClock();
    const first = clock.advance(10);
    await expect(clock.advance(10)).rejects.toMatchObject({ code: 'ESA_ERR_INTERNAL' });
    await first;
  });
});

describe('sleep', () => {
  it('rejects with ESA_ERR_ABORTED and leaves no timer when aborted', async () => {
    const clock = new VirtualClock();
    const controller = new AbortController();
    const sleeping = sleep(clock, 1000, controller.signal);
    controller.abort();
    await expect(sleeping).rejects.toMatchObject({ code: 'ESA_ERR_ABORTED' });
    expect(clock.pending).toBe(0);
  });
});
