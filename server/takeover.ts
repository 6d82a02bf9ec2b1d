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

/** What ClassOwners asks of Colyseus's matchmaker (a stand-in in tests). */
export interface Cluster {
  /** This process's id. */
  processId(): string;
  /** The process holding a room of that id, per the matchmaking driver. */
  roomProcess(roomId: string): Promise<string | undefined>;
  /** Processes listening on their IPC channel now. */
  listening(): Promise<Set<string>>;
  /** Colyseus's health check: false for a process that did not answer (its rooms are then removed). */
  healthCheck(processId: string): Promise<boolean>;
}

export const colyseusCluster: Cluster = {
  processId: () => matchMaker.processId,
  roomProcess: async (roomId) => (await matchMaker.getRoomById(roomId))?.processId,
  listening: async () => new Set((await matchMaker.presence.channels("p:*")).map((c) => c.slice(2))),
  // Times out (2 s) for a dead process, and then clears its rooms from the driver.
  healthCheck: async (processId) => Boolean(await matchMaker.healthCheckProcessId(processId)),
};

export class ClassOwners {
  private readonly store: ClassStore;
  private readonly cluster: Cluster;
  /** Liveness answers of the current sweep: a dead process costs one health check per sweep, not per class. */
  private alive = new Map<string, Promise<boolean>>();
  private channels: Promise<Set<string>> | null = null;

  constructor(store: ClassStore, cluster: Cluster = colyseusCluster) {
    this.store = store;
    this.cluster = cluster;
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
        this.channels ??= this.cluster.listening();
        if ((await this.channels).has(processId)) return true;
        return this.cluster.healthCheck(processId);
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
    if (!(await store.claimClass(code, this.cluster.processId(), previous))) throw new Error(`class ${code} was claimed by another process`);
  }

  /**
   * Whether this process may take the class (resume it, or end it if stale); when it may, it is now
   * its recorded owner. False for a class that lives on, here or in another live process.
   */
  async take(meta: ClassMeta): Promise<boolean> {
    const me = this.cluster.processId();
    const holder = await this.cluster.roomProcess(meta.code);
    if (holder && (holder === me || (await this.isAlive(holder)))) return false;
    const store = this.store;
    if (!isSharedStore(store)) return true;
    const owner = await store.classOwner(meta.code);
    // Ours without a room: being created or resumed right now by this process.
    if (owner === me) return false;
    if (owner && (await this.isAlive(owner))) return false;
    return store.claimClass(meta.code, me, owner);
  }
}
