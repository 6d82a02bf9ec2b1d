/**
 * One queue of writes per class, for both stores: a snapshot whose compression is slow must never
 * land after a newer one of the same class. Different classes do not wait for each other.
 */
export class SerialQueues {
  private tails = new Map<string, Promise<void>>();

  /** Run `task` after every task queued before it under `key`; its failure does not block the next. */
  run(key: string, task: () => Promise<void>): Promise<void> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const run = prev.then(task);
    const settled = run.then(() => undefined, () => undefined);
    this.tails.set(key, settled);
    void settled.then(() => {
      if (this.tails.get(key) === settled) this.tails.delete(key);
    });
    return run;
  }

  /** Every queued task has finished (for close()). */
  async idle(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }
}
