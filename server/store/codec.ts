/**
 * How a snapshot becomes bytes and back. Serializing is the one step that must happen at once on
 * the room's thread (the simulation mutates its state in place); compressing runs on libuv's
 * thread pool, so a large class costs the event loop little more than one JSON.stringify.
 */
import { deflateRaw, inflateRawSync } from "node:zlib";
import { promisify } from "node:util";
import { hashString } from "../../shared/sim/hash.ts";
import type { ClusterState } from "../../shared/sim/index.ts";

const deflateRawAsync = promisify(deflateRaw);

export type SnapshotEncoding = "json" | "json+deflate";

export interface SerializedState {
  json: string;
  /** Equal to stateHash(state): the same hash over the same JSON text, computed once. */
  hash: string;
  clusterMs: number;
}

export function serializeState(state: ClusterState): SerializedState {
  const json = JSON.stringify(state);
  return { json, hash: hashString(json), clusterMs: state.timeMs };
}

/** Level 1: a 1,000-node state shrinks ~24x (3,978 KiB to 167 KiB) and compresses off the main thread. */
export async function encodeState(json: string, encoding: SnapshotEncoding): Promise<Uint8Array> {
  const raw = Buffer.from(json, "utf8");
  return encoding === "json" ? raw : deflateRawAsync(raw, { level: 1 });
}

export function decodeState(bytes: Uint8Array, encoding: string): string {
  if (encoding === "json") return Buffer.from(bytes).toString("utf8");
  if (encoding === "json+deflate") return inflateRawSync(bytes).toString("utf8");
  throw new Error(`unknown snapshot encoding "${encoding}"`);
}

export class SnapshotHashMismatch extends Error {}

/** Parse a stored state, refusing one whose text no longer matches its hash (a torn or edited row). */
export function parseState(json: string, expectedHash: string): ClusterState {
  const actual = hashString(json);
  if (actual !== expectedHash) throw new SnapshotHashMismatch(`snapshot hash ${actual} does not match the stored ${expectedHash}`);
  return JSON.parse(json) as ClusterState;
}
