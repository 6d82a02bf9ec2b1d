/**
 * fast-check arbitraries for the fuzz test (fuzz.test.ts and its storm worker, fuzz-storm.ts):
 * what a hostile or broken client can put on the wire. Every message a client may send, with
 * payloads of the wrong shape, absurd numbers (NaN, ±Infinity, negatives, 1e308), huge and
 * strange strings, other students' ids and nodes, teacher commands, unknown and prototype-ish
 * message types, and raw WebSocket frames that only look like the Colyseus protocol.
 *
 * Loaded by a worker thread through Node's own type stripping, so: erasable TypeScript only.
 */
import fc from "fast-check";
import { Protocol } from "@colyseus/sdk";
import { MAX_MESSAGE_BYTES, clientMessageSchemas } from "../../shared/protocol/messages.ts";

export const MESSAGE_TYPES = Object.keys(clientMessageSchemas);

/** What the fuzzing clients know of the class when they generate (ids and nodes to impersonate). */
export interface Known {
  studentIds: string[];
  nodeNames: string[];
}

export type FuzzMessage =
  | { kind: "send"; category: string; type: string | number; payload: unknown }
  | { kind: "raw"; category: string; bytes: Uint8Array };

const COMMAND_TYPES = [
  "addNode", "removeNode", "heartbeat", "killNode", "partitionNode", "restoreNode", "slowNode", "memoryPressure",
  "crashContainer", "leakMemory", "registryOutage", "trafficSpike", "setBaseline", "expose", "deploy", "scale",
  "setHpa", "removeHpa", "rolloutUndo", "cordon", "uncordon", "drain", "deletePod", "setPdb", "removePdb",
  "composeCrash", "composeHang", "composeRestart", "composeStop", "ship", "nuke",
];

/** Numbers a careless or hostile client sends. */
const weirdNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -1, 0, -0, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 2 ** 32, 0.5, 121, 1e-320),
  fc.integer({ min: -1_000_000, max: 1_000_000 }),
  fc.double(),
);

/** Strings: names that are almost valid, unicode, control characters, and long ones. */
const weirdString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 30 }),
  fc.string({ unit: "binary", maxLength: 30 }),
  fc.constantFrom("", " ", "node-", "-node", "NODE-A", "shop", "../../etc/passwd", "<script>alert(1)</script>", "\u0000", "\u202e", "__proto__", "constructor"),
  fc.integer({ min: 64, max: 4096 }).map((n) => "x".repeat(n)),
);

const anything = fc.anything({ maxDepth: 3, maxKeys: 6, withBigInt: false, withMap: false, withSet: false, withDate: true, withTypedArray: true });

/** A field value for a command: mostly wrong, sometimes right. */
function fieldValue(known: Known): fc.Arbitrary<unknown> {
  return fc.oneof(
    weirdNumber,
    weirdString,
    fc.boolean(),
    fc.constant(null),
    known.nodeNames.length ? fc.constantFrom(...known.nodeNames) : fc.constant("node-a"),
    fc.constantFrom("shop", "v1", "v2", "healthy", "crashing", "RollingUpdate", "50%"),
  );
}

function commandArb(known: Known): fc.Arbitrary<unknown> {
  const fields = ["node", "name", "pod", "app", "deployment", "service", "replicas", "version", "factor", "on", "connected", "multiplier",
    "durationSeconds", "maxReplicas", "minAvailable", "cpuMilli", "memoryMiB", "behavior", "rps", "mibPerSecond", "needs", "packaging"];
  return fc.record({
    type: fc.oneof(fc.constantFrom(...COMMAND_TYPES), weirdString),
    extra: fc.dictionary(fc.constantFrom(...fields), fieldValue(known), { maxKeys: 5 }),
  }).map(({ type, extra }) => ({ ...extra, type }));
}

/** Payloads close to each message's schema, so that they reach past the first checks. */
function nearValid(known: Known): fc.Arbitrary<{ type: string; payload: unknown }> {
  const id = fc.option(fc.oneof(fc.string({ maxLength: 8 }), weirdString, weirdNumber), { nil: undefined });
  const studentId = known.studentIds.length ? fc.oneof(fc.constantFrom(...known.studentIds), weirdString) : weirdString;
  const nodeName = known.nodeNames.length ? fc.oneof(fc.constantFrom(...known.nodeNames), weirdString) : weirdString;
  const t = <T>(type: string, payload: fc.Arbitrary<T>) => payload.map((p) => ({ type, payload: p as unknown }));
  return fc.oneof(
    t("hello", fc.record({ id })),
    t("getHistory", fc.record({ id })),
    t("command", fc.record({ id, command: commandArb(known) })),
    t("classControl", fc.record({ id, action: fc.oneof(fc.constantFrom("start", "pause", "resume", "debrief", "end", "reset", "lock", "unlock"), weirdString) })),
    t("setCompression", fc.record({ id, factor: weirdNumber })),
    t("kick", fc.record({ id, studentId })),
    t("kubectl", fc.record({
      id,
      line: fc.oneof(fc.constantFrom("get pods", "get nodes -o wide", "describe node", "delete pod --all", "scale deploy/shop --replicas=0", "apply -f -", "get events", "cordon"), weirdString),
      stdin: fc.option(fc.oneof(weirdString, fc.constant("kind: Deployment\nmetadata:\n  name: evil\nspec:\n  replicas: 100000\n")), { nil: undefined }),
    })),
    t("setOptions", fc.record({ id, advanced: fc.oneof(fc.boolean(), weirdNumber), leaderboardNames: fc.oneof(fc.boolean(), weirdString) })),
    t("lessonControl", fc.record({ id, action: fc.oneof(fc.constantFrom("next", "repeat", "back", "skip"), weirdString) })),
    t("setLesson", fc.record({ id, lessonId: fc.oneof(fc.constantFrom("intro", "rolling-update"), weirdString, fc.constant(null)), yaml: fc.option(weirdString, { nil: undefined }) })),
    t("answer", fc.record({ id, stepId: weirdString, answer: fc.oneof(nodeName, weirdString) })),
    t("nodeAction", fc.record({ id, action: fc.oneof(fc.constantFrom("cordon", "uncordon", "drain", "restartContainer"), weirdString), service: fc.option(weirdString, { nil: undefined }) })),
  );
}

/** Message types nobody handles, some of them chosen to trip a careless lookup table. */
const unknownType: fc.Arbitrary<string | number> = fc.oneof(
  fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", "*", "", "welcome", "result", "error", "teleport", "Command", "hello "),
  fc.string({ maxLength: 40 }),
  fc.integer({ min: -5, max: 300 }),
  fc.integer({ min: 100, max: 4000 }).map((n) => "t".repeat(n)),
);

/** Frames written straight onto the socket: protocol bytes the server knows, with bodies it does not expect. */
const rawFrame: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 64 }),
  fc.tuple(
    fc.constantFrom(Protocol.ROOM_DATA, Protocol.ROOM_DATA_BYTES, Protocol.ROOM_REQUEST, Protocol.JOIN_ROOM, Protocol.PING, 0, 255),
    fc.uint8Array({ minLength: 0, maxLength: 48 }),
  ).map(([code, body]) => Uint8Array.from([code, ...body])),
  // A string type that claims to be longer than the frame, then a truncated msgpack payload.
  fc.tuple(fc.integer({ min: 0x80, max: 0xdb }), fc.uint8Array({ maxLength: 8 })).map(([len, body]) => Uint8Array.from([Protocol.ROOM_DATA, len, ...body])),
);

/** One message; with `raw`, some are frames written straight onto the socket. */
export function fuzzMessage(known: Known, opts: { raw?: boolean } = {}): fc.Arbitrary<FuzzMessage> {
  const send = (category: string, arb: fc.Arbitrary<{ type: string | number; payload: unknown }>) =>
    arb.map(({ type, payload }): FuzzMessage => ({ kind: "send", category, type, payload }));
  const w = (weight: number, arbitrary: fc.Arbitrary<FuzzMessage>) => ({ weight, arbitrary });
  const options = [
    w(40, send("near-valid", nearValid(known))),
    w(15, send("wrong-shape", fc.record({ type: fc.constantFrom(...MESSAGE_TYPES), payload: anything }))),
    w(10, send("unknown-type", fc.record({ type: unknownType, payload: anything }))),
    w(3, send("too-large", fc.record({
      type: fc.constantFrom(...MESSAGE_TYPES),
      payload: fc.integer({ min: MAX_MESSAGE_BYTES + 1, max: 16 * 1024 }).map((n) => ({ line: "y".repeat(n) })),
    }))),
  ];
  if (opts.raw) options.push(w(1, rawFrame.map((bytes): FuzzMessage => ({ kind: "raw", category: "raw-frame", bytes }))));
  return fc.oneof(...options);
}

/** Past the WebSocket frame limit (316 KiB): the server closes the connection with 1009. */
export const FRAME_BUSTER: FuzzMessage = { kind: "send", category: "frame-buster", type: "kubectl", payload: { line: "get pods", stdin: "q".repeat(400 * 1024) } };
