/**
 * Who gets what beyond the shared state. The teacher and the projectors hold a StateView with
 * every student, node and event, so they see the fields that change all the time (points, load)
 * and the whole event feed. Students have no view: they share one encode of each patch, and get
 * their own figures and node events as messages, sent here. At 1,000 students, everyone's points
 * in everyone's patches was the larger part of every student's bytes.
 */
import type { Client } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import type { ClusterState } from "../../shared/sim/index.ts";
import { servedByNode } from "../../shared/sim/views.ts";
import { rankStudents, type Place, type RankedStudent } from "../../shared/game/leaderboard.ts";
import type { NodeEventsMessage, Role, YouMessage } from "../../shared/protocol/messages.ts";
import type { EventSnapshot } from "../../shared/protocol/snapshot.ts";
import { eventSnapshot } from "../../shared/replay/project.ts";
import type { ClassState, EventView, NodeView, StudentView } from "./schema.ts";
import type { Student } from "./roster.ts";

/** How often the leaderboard's top rows are published: its points move every second, a projector redraws it every few. */
const LEADERBOARD_SYNC_MS = 3000;
/** Events about a student's node sent again after a hello or a reconnection. */
const RESEND_EVENTS = 20;

export class ProjectorViews {
  private views = new Set<StateView>();

  /** A teacher or projector: a view that holds everything there is now (and share() adds what comes). */
  attach(client: Client, role: Role, state: ClassState): void {
    const view = new StateView();
    client.view = view;
    this.views.add(view);
    if (role === "teacher") view.add(state.teacher!);
    state.students.forEach((v) => view.add(v));
    state.nodes.forEach((v) => view.add(v));
    state.events.forEach((v) => view.add(v));
  }

  /** A client left for good (Colyseus hands the same view to a reconnected client). */
  detach(client: Client): void {
    if (client.view) this.views.delete(client.view);
  }

  share(v: StudentView | NodeView | EventView): void {
    for (const view of this.views) view.add(v);
  }
}

export interface PersonalSource {
  state: ClassState;
  sim: ClusterState;
  /** Called afresh for each loop over the students: an iterator is spent after one. */
  students: () => Iterable<Student>;
  /** A student's points, the lesson's included. */
  pointsOf(st: Student): number;
  /** A student's answers in the running lesson (sent with a full resend). */
  answersOf(st: Student): Record<string, string> | null;
  /** A student's points on each revealed question of the running lesson. */
  awardsOf(st: Student): Record<string, number> | null;
  clientOf(sessionId: string): Client | undefined;
}

/**
 * Sends each student its `you` figures (once a second when they change, and everything again
 * after a hello or a reconnection) and the events about its node as they come. On slow syncs it
 * also writes everyone's points into the projectors' view and, every few seconds, the leaderboard.
 */
export class PersonalMessages {
  private lastBoardSync = 0;

  /** The next slow sync publishes the leaderboard whatever its timer says (names shown or hidden, a reset). */
  forceBoard(): void {
    this.lastBoardSync = 0;
  }

  send(src: PersonalSource, slow: boolean, now: number): void {
    let places: Map<string, Place> | null = null;
    if (slow) {
      const ranked = rankStudents(this.rankable(src), { names: src.state.leaderboardNames });
      places = ranked.places;
      if (now - this.lastBoardSync >= LEADERBOARD_SYNC_MS) {
        this.lastBoardSync = now;
        const board = JSON.stringify(ranked.view);
        if (src.state.leaderboard !== board) src.state.leaderboard = board;
      }
    }
    let served: Map<string, number> | null = null;
    for (const st of src.students()) {
      const client = st.connected && st.sessionId ? src.clientOf(st.sessionId) : undefined;
      if (!client) {
        st.pendingEvents.clear();
        continue;
      }
      if (st.resend) {
        st.pendingEvents.clear();
        const events = src.sim.events.filter((e) => e.node === st.nodeName).slice(-RESEND_EVENTS).map(eventSnapshot);
        client.send("nodeEvents", { replace: true, events } satisfies NodeEventsMessage);
      } else if (st.pendingEvents.size > 0) {
        const events = [...st.pendingEvents.values()].map((v) => v.toJSON() as EventSnapshot);
        st.pendingEvents.clear();
        client.send("nodeEvents", { replace: false, events } satisfies NodeEventsMessage);
      }
      if (!slow && !st.resend) continue;
      places ??= rankStudents(this.rankable(src), { names: false }).places;
      served ??= servedByNode(src.sim);
      const place = places.get(st.id);
      const you: YouMessage = {
        points: place?.points ?? 0, rank: place?.rank ?? 0, of: place?.of ?? 0,
        servedRps: Math.round((served.get(st.nodeName) ?? 0) * 10) / 10,
      };
      const awards = src.awardsOf(st);
      if (awards && Object.keys(awards).length > 0) you.awards = awards;
      const json = JSON.stringify(you);
      if (st.resend) {
        const answers = src.answersOf(st);
        client.send("you", answers ? { ...you, answers } : you);
      } else if (json !== st.lastYou) {
        client.send("you", you);
      }
      st.lastYou = json;
      st.resend = false;
    }
  }

  /** Every student still in the class, with points; the points also go to the projectors' view. */
  private rankable(src: PersonalSource): RankedStudent[] {
    const out: RankedStudent[] = [];
    for (const st of src.students()) {
      const p = src.pointsOf(st);
      const v = src.state.students.get(st.id);
      if (v && v.points !== p) v.points = p;
      if (!st.leaving) out.push({ id: st.id, name: st.name, points: p });
    }
    return out;
  }
}
