/**
 * The decoded class state as the pages read it. The SDK keeps room.state live (maps are
 * MapSchema); pages read it directly each frame instead of copying 10,000 pods into new objects.
 * Tests and tools can pass plain Maps built from a snapshot: both satisfy LiveMap.
 */
import type {
  ClassSnapshot, DeploymentSnapshot, EventSnapshot, NodeSnapshot, PodSnapshot, ServiceSnapshot, StudentSnapshot,
} from "../../shared/protocol/snapshot.ts";

export interface LiveMap<V> {
  get(key: string): V | undefined;
  forEach(cb: (value: V, key: string) => void): void;
  readonly size: number;
  values(): IterableIterator<V>;
}

export type LiveNode = Omit<NodeSnapshot, "containers"> & { containers: LiveMap<NodeSnapshot["containers"][string]> };

export interface LiveClassState extends Omit<ClassSnapshot, "nodes" | "pods" | "deployments" | "services" | "students" | "events"> {
  nodes: LiveMap<LiveNode>;
  pods: LiveMap<PodSnapshot>;
  deployments: LiveMap<DeploymentSnapshot>;
  services: LiveMap<ServiceSnapshot>;
  students: LiveMap<StudentSnapshot>;
  events: LiveMap<EventSnapshot>;
}

/** Build a LiveClassState from a plain snapshot (tests, the client benchmark, replays). */
export function fromSnapshot(s: ClassSnapshot): LiveClassState {
  const toMap = <V>(r: Record<string, V>) => new Map(Object.entries(r));
  const nodes = new Map<string, LiveNode>();
  for (const [k, n] of Object.entries(s.nodes)) nodes.set(k, { ...n, containers: toMap(n.containers) });
  return {
    ...s,
    nodes,
    pods: toMap(s.pods),
    deployments: toMap(s.deployments),
    services: toMap(s.services),
    students: toMap(s.students),
    events: toMap(s.events),
  };
}
