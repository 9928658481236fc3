/** At most `limit` calls of `run` at once per key (per endpoint); the rest wait their turn, in order. */
export function keyedLimiter(limit: number): <T>(key: string, run: () => Promise<T>) => Promise<T> {
  const lanes = new Map<string, { running: number; waiting: (() => void)[] }>();
  return async function withSlot<T>(key: string, run: () => Promise<T>): Promise<T> {
    let lane = lanes.get(key);
    if (!lane) {
      lane = { running: 0, waiting: [] };
      lanes.set(key, lane);
    }
    const current = lane;
    if (current.running >= limit) await new Promise<void>((resolve) => current.waiting.push(resolve));
    else current.running++;
    try {
      return await run();
    } finally {
      const next = current.waiting.shift();
      if (next) next();
      else if (--current.running === 0) lanes.delete(key);
    }
  };
}

/**
 * Group commit: items pushed while a write runs are written together by the next one, so writes batch themselves
 * under load and go out at once when idle. `push` resolves once its item's batch is written, and rejects with the
 * write's error.
 */
export function writeBatcher<T>(write: (items: T[]) => Promise<void>, maxBatch = 1000): { push(item: T): Promise<void> } {
  let queue: { item: T; resolve: () => void; reject: (error: unknown) => void }[] = [];
  let writing = false;
  async function drain(): Promise<void> {
    writing = true;
    while (queue.length > 0) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      try {
        await write(batch.map((b) => b.item));
        for (const b of batch) b.resolve();
      } catch (error) {
        for (const b of batch) b.reject(error);
      }
    }
    writing = false;
  }
  return {
    push(item) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (!writing) void drain();
      });
    },
  };
}
