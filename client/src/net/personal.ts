/**
 * What the server tells one student alone: its points and place, and the events about its node.
 * The shared state leaves these out (they would cost every student everyone's figures), so the
 * connection listens for them before it says hello and keeps the latest here for the pages.
 */
import type { NodeEventsMessage, YouMessage } from "../../../shared/protocol/messages.ts";
import type { EventSnapshot } from "../../../shared/protocol/snapshot.ts";

/** Events about one's node kept for the page (the server resends the last 20 after a reconnection). */
const KEEP_EVENTS = 40;

export class PersonalFeed {
  you: YouMessage | null = null;
  readonly events = new Map<number, EventSnapshot>();
  private listeners: (() => void)[] = [];

  onChange(cb: () => void): () => void {
    this.listeners.push(cb);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== cb);
    };
  }

  setYou(you: YouMessage): void {
    this.you = you;
    this.changed();
  }

  addEvents(m: NodeEventsMessage): void {
    if (m.replace) this.events.clear();
    for (const e of m.events) this.events.set(e.id, e);
    if (this.events.size > KEEP_EVENTS) {
      const ids = [...this.events.keys()].sort((a, b) => a - b);
      for (const id of ids.slice(0, ids.length - KEEP_EVENTS)) this.events.delete(id);
    }
    this.changed();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
