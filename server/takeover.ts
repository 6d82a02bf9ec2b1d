/**
 * Which process may resume (or end) an open class it finds in the store. With one process per
 * store (SQLite) it is simply "the class has no live room". With a store every process shares
 * (STORE_DRIVER=redis) the store also records each class's owner, the Colyseus processId that runs
 * it, and a class changes hands only when its owner is gone: no room in a live process, no live
 * owner, and a compare-and-set of the owner record, which exactly one process wins.
 *
 * "Gone" is Colyseus's own test: the process no longer listens on its IPC channel (Redis drops a
 * dead client's subscriptions at once) and does not answer a health check, which also removes its
 * rooms from the matchmaking driver so joins stop being routed to it. A process shutting down
 * gracefully still answers until it exits, by which time its rooms have saved their last snapshot.
 */
import { matchMaker } from "@colyseus/core";
import { isSharedStore, type ClassMeta, type ClassStore } from "./store/index.ts";

export class ClassOwners {
  private readonly store: ClassStore;
  /** Liveness answers of the current sweep: a dead process costs one health check per sweep, not per class. */
  private alive = new Map<string, Promise<boolean>>();
  private channels: Promise<Set<string>> | null = null;

  constructor(store: ClassStore) {
    this.store = store;
  }

  get shared(): boolean {
    return isSharedStore(this.store);
  }

  /** Start a sweep: liveness is asked afresh. */
  beginSweep(): void {
    this.alive = new Map();
    this.channels = null;
  }

  private isAlive(processId: string): Promise<boolean> {
    let answer = this.alive.get(processId);
    if (!answer) {
      answer = (async () => {
        this.channels ??= matchMaker.presence.channels("p:*").then((list) => new Set(list));
        if ((await this.channels).has(`p:${processId}`)) return true;
        // Times out (2 s) for a dead process, and then clears its rooms from the driver.
        return Boolean(await matchMaker.healthCheckProcessId(processId));
      })();
      this.alive.set(processId, answer);
    }
    return answer;
  }

  /** Record this process as the owner of a class it is about to create. */
  async own(code: string): Promise<void> {
    const store = this.store;
    if (!isSharedStore(store)) return;
    // A fresh code has no owner, unless a class that failed to open left one behind.
    const previous = await store.classOwner(code);
    if (!(await store.claimClass(code, matchMaker.processId, previous))) throw new Error(`class ${code} was claimed by another process`);
  }

  /**
   * Whether this process may take the class (resume it, or end it if stale); when it may, it is now
   * its recorded owner. False for a class that lives on, here or in another live process.
   */
  async take(meta: ClassMeta): Promise<boolean> {
    const me = matchMaker.processId;
    const room = await matchMaker.getRoomById(meta.code);
    if (room && (room.processId === me || (await this.isAlive(room.processId)))) return false;
    const store = this.store;
    if (!isSharedStore(store)) return true;
    const owner = await store.classOwner(meta.code);
    // Ours without a room: being created or resumed right now by this process.
    if (owner === me) return false;
    if (owner && (await this.isAlive(owner))) return false;
    return store.claimClass(meta.code, me, owner);
  }
}
