/**
 * Images, layers and the kubelet's image manager. An image is a stack of content-addressed layers;
 * a node downloads each digest once, so a base layer shared by every app is pulled once per node.
 * Pulls are serialized per node (kubelet serializeImagePulls=true) and take missing bytes / bandwidth.
 */
import { K8S, MODEL } from "./defaults.ts";
import { hashString } from "./hash.ts";
import { record, schedule } from "./core.ts";
import type { ClusterState, Image, Layer, NodeState, PodState } from "./types.ts";

const MiB = 1024 * 1024;

function digest(text: string): string {
  return `sha256:${hashString(text)}${hashString(text + "#")}`;
}

/** Dockerfile steps shared by every app in the city: the base OS and the language runtime. */
export const BASE_LAYERS: Layer[] = [
  { digest: digest("debian:bookworm-slim"), bytes: 28 * MiB, step: "FROM debian:bookworm-slim" },
  { digest: digest("node:24-runtime"), bytes: 45 * MiB, step: "RUN install node 24" },
];

/** Register app:version in the registry: shared base, an app-wide dependency layer, a small code layer. */
export function ensureImage(s: ClusterState, app: string, version: string): Image {
  const ref = `${app}:${version}`;
  const existing = s.images[ref];
  if (existing) return existing;
  const image: Image = {
    ref,
    layers: [
      ...BASE_LAYERS,
      { digest: digest(`${app}/deps`), bytes: 38 * MiB, step: "RUN npm ci --omit=dev" },
      { digest: digest(`${app}/${version}/code`), bytes: 3 * MiB, step: "COPY . /app" },
    ],
  };
  s.images[ref] = image;
  return image;
}

export function imageBytes(image: Image): number {
  return image.layers.reduce((n, l) => n + l.bytes, 0);
}

export function cachedBytes(node: NodeState, image: Image): number {
  let n = 0;
  for (const l of image.layers) if (node.layers.includes(l.digest)) n += l.bytes;
  return n;
}

export function hasImage(node: NodeState, image: Image): boolean {
  return image.layers.every((l) => node.layers.includes(l.digest));
}

/** Fraction 0..1 of the current pull that is done, for the scaffolding progress bar. */
export function pullProgress(s: ClusterState, node: NodeState): number {
  const p = node.pull;
  if (!p) return 1;
  const span = p.doneAtMs - p.startedAtMs;
  return span <= 0 ? 1 : Math.min(1, (s.timeMs - p.startedAtMs) / span);
}

/**
 * The kubelet wants the pod's image. Returns true when the container can be created right away
 * (image present and policy allows it); otherwise the pod waits in the node's pull queue or backs off.
 */
export function requestImage(s: ClusterState, node: NodeState, pod: PodState): boolean {
  const image = s.images[pod.template.image];
  if (!image) {
    failPull(s, node, pod, `Failed to pull image "${pod.template.image}": not found`);
    return false;
  }
  if (pod.template.pullPolicy === "IfNotPresent" && hasImage(node, image)) {
    record(s, "Normal", "Pulled", `pod/${pod.name}`, `Container image "${image.ref}" already present on machine`, node.name);
    return true;
  }
  if (!node.pullQueue.includes(pod.name)) node.pullQueue.push(pod.name);
  if (!node.pull) startNextPull(s, node);
  return false;
}

function startNextPull(s: ClusterState, node: NodeState): void {
  while (node.pullQueue.length > 0) {
    const podName = node.pullQueue[0]!;
    const pod = s.pods[podName];
    if (!pod || pod.nodeName !== node.name || pod.deletionAtMs !== null) {
      node.pullQueue.shift();
      continue;
    }
    const image = s.images[pod.template.image]!;
    if (s.registryDown) {
      node.pullQueue.shift();
      failPull(s, node, pod, `Failed to pull image "${image.ref}": dial tcp registry:443: connect: connection refused`);
      continue;
    }
    const bandwidth = node.bandwidthBytesPerSecond * node.speed;
    let t = s.timeMs + MODEL.manifestCheckMs;
    const layers = [];
    for (const l of image.layers) {
      if (node.layers.includes(l.digest)) continue;
      t += Math.ceil((l.bytes / bandwidth) * 1000);
      layers.push({ digest: l.digest, bytes: l.bytes, doneAtMs: t });
    }
    node.pull = { image: image.ref, startedAtMs: s.timeMs, doneAtMs: t, layers };
    record(s, "Normal", "Pulling", `pod/${pod.name}`, `Pulling image "${image.ref}"`, node.name);
    schedule(s, t, "pullDone", node.name, node.gen);
    return;
  }
}

function failPull(s: ClusterState, node: NodeState, pod: PodState, message: string): void {
  const first = pod.imageBackoffMs === 0;
  pod.reason = first ? "ErrImagePull" : "ImagePullBackOff";
  pod.message = message;
  record(s, "Warning", "Failed", `pod/${pod.name}`, message, node.name);
  pod.imageBackoffMs = first
    ? K8S.imageBackoffInitialSeconds * 1000
    : Math.min(pod.imageBackoffMs * 2, K8S.imageBackoffMaxSeconds * 1000);
  if (!first) record(s, "Normal", "BackOff", `pod/${pod.name}`, `Back-off pulling image "${pod.template.image}"`, node.name);
  schedule(s, s.timeMs + pod.imageBackoffMs, "retryPull", pod.name, pod.gen);
}

/** The current pull finished: cache its layers and hand back every queued pod whose image is now complete. */
export function finishPull(s: ClusterState, node: NodeState): PodState[] {
  const pull = node.pull;
  if (!pull) return [];
  for (const l of pull.layers) if (!node.layers.includes(l.digest)) node.layers.push(l.digest);
  node.pull = null;
  const image = s.images[pull.image]!;
  const ready: PodState[] = [];
  const seconds = ((pull.doneAtMs - pull.startedAtMs) / 1000).toFixed(3);
  node.pullQueue = node.pullQueue.filter((name) => {
    const pod = s.pods[name];
    if (!pod || pod.nodeName !== node.name || pod.deletionAtMs !== null) return false;
    if (pod.template.image !== image.ref) return true;
    record(s, "Normal", "Pulled", `pod/${pod.name}`, `Successfully pulled image "${image.ref}" in ${seconds}s`, node.name);
    ready.push(pod);
    return false;
  });
  startNextPull(s, node);
  return ready;
}

/** The node lost power or its network mid-pull: keep the layers that finished, drop the rest. */
export function abortPull(s: ClusterState, node: NodeState): void {
  if (!node.pull) return;
  for (const l of node.pull.layers) if (l.doneAtMs <= s.timeMs && !node.layers.includes(l.digest)) node.layers.push(l.digest);
  node.pull = null;
}

/** The registry went down: pulls in flight fail and their pods back off. */
export function failPullsOnOutage(s: ClusterState): void {
  for (const name of s.nodeOrder) {
    const node = s.nodes[name]!;
    if (!node.pull) continue;
    abortPull(s, node);
    node.gen++;
    startNextPull(s, node);
  }
}

export function retryPull(s: ClusterState, pod: PodState): boolean {
  const node = pod.nodeName ? s.nodes[pod.nodeName] : undefined;
  if (!node || !node.powered || node.partitioned) return false;
  return requestImage(s, node, pod);
}
