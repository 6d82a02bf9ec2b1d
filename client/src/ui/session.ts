/**
 * A room's life as the person in front of the page sees it: a banner while the SDK reconnects by
 * itself, and one callback when the session is over for good, with the reason in words.
 */
import { closeReason, type Room } from "../net/connection.ts";
import { t } from "../i18n/index.ts";
import { hideBanner, showBanner, toast } from "./feedback.ts";

export type GoneReason = ReturnType<typeof closeReason>;

export interface SessionWatch {
  /** Call before leaving on purpose, so the close is not reported as a loss. */
  leaving(): void;
}

export function watchSession(room: Room, onGone: (reason: GoneReason, code: number) => void): SessionWatch {
  let leaving = false;
  room.onDrop(() => showBanner("conn.reconnecting", "warn"));
  room.onReconnect(() => {
    hideBanner();
    toast(t("conn.back"), "ok");
  });
  room.onLeave((code: number) => {
    if (leaving) return;
    onGone(closeReason(code), code);
  });
  room.onMessage("notice", (n: { kind?: string }) => {
    if (n?.kind === "shutdown") showBanner("conn.shutdown", "bad");
  });
  return {
    leaving() {
      leaving = true;
    },
  };
}

/** Run fn on every state patch, at most once per animation frame (the SDK may apply several per frame). */
export function onStatePatch(room: Room, fn: () => void): () => void {
  let queued = false;
  let stopped = false;
  const run = () => {
    queued = false;
    if (!stopped) fn();
  };
  const cb = () => {
    if (queued) return;
    queued = true;
    // A hidden tab gets no animation frames; a timer keeps the live region and vibration working.
    if (document.hidden) setTimeout(run, 200);
    else requestAnimationFrame(run);
  };
  room.onStateChange(cb);
  return () => {
    stopped = true;
    room.onStateChange.remove(cb);
  };
}
