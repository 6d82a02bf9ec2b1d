/**
 * The SLO a replay shows at a moment. The live room counts requests and errors from the start of
 * the class (totals minus the totals at "start"); before the start, in the lobby, from zero. The log
 * does not record the start (it is a room action, not a cluster command), but the stored baseline
 * is the cluster's running totals at that moment, and totals only grow: the class had started once
 * the totals reached it. (The one blur: the less-than-a-second of cluster time between the last
 * traffic tick and the press of Start, where the totals already equal the baseline.)
 */
export function sloSince(totals: { requests: number }, baseline: { requests: number; errors: number }): { requests: number; errors: number } {
  return baseline.requests > 0 && totals.requests >= baseline.requests ? baseline : { requests: 0, errors: 0 };
}
