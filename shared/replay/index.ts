/** Replaying a class: the command log applied on a fresh cluster, seekable, drawn as the live class was. */
export { applyLog, replay, timeline, ReplayDivergence, type CommandEntry, type TimelineFrame } from "./log.ts";
export { ReplayPlayer, keyframeSpacing, type PlayerInput, type PlayerOptions } from "./player.ts";
export { adjacentMarker, markerKind, markerOf, markerTarget, type Marker, type MarkerKind } from "./markers.ts";
export { projectCluster, EVENTS_TAIL, type ClusterSnapshot, type Owner } from "./project.ts";
export { sloSince } from "./slo.ts";
