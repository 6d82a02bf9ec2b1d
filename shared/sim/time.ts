/**
 * One time-compression factor per class maps wall time to cluster time. Every Kubernetes duration
 * stays in real seconds inside the simulation; only this mapping speeds the whole world up, so a
 * 300 s toleration at 20x plays in 15 s and every ratio between timers is kept.
 */
export const MIN_COMPRESSION = 1;
export const MAX_COMPRESSION = 120;

export function clusterMsForWall(wallMs: number, compression: number): number {
  const k = Math.min(MAX_COMPRESSION, Math.max(MIN_COMPRESSION, compression));
  return wallMs * k;
}

export function wallMsForCluster(clusterMs: number, compression: number): number {
  const k = Math.min(MAX_COMPRESSION, Math.max(MIN_COMPRESSION, compression));
  return clusterMs / k;
}
