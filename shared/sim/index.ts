/** The simulation's public face: create a cluster, apply commands, advance time, read it back. */
export { createCluster, advance, nextEventAt, type ClusterOptions } from "./engine.ts";
export { applyCommand, type CommandResult } from "./commands.ts";
export { commandSchema, describeIssues, type Command, type CommandType, type CommandOf } from "./command-schema.ts";
export { stateHash } from "./hash.ts";
export { K8S, DOCKER, MODEL } from "./defaults.ts";
export { pullProgress, imageBytes } from "./images.ts";
export { currentRps } from "./traffic.ts";
export { clusterMsForWall, wallMsForCluster, MIN_COMPRESSION, MAX_COMPRESSION } from "./time.ts";
export type * from "./types.ts";
