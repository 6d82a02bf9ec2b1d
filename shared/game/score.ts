/**
 * The class's cooperative score (an SLO and its error budget) and each student's points. Pure
 * arithmetic shared by the server that awards and the screens that explain.
 */

/** The class promises 99% of requests answered: the budget is the 1% it may fail. */
export const SLO_TARGET = 0.99;

/** Fraction of the error budget left: 1 = untouched, 0 = spent, below 0 = overspent. */
export function errorBudgetRemaining(requests: number, errors: number, target = SLO_TARGET): number {
  if (requests <= 0) return 1;
  const budget = requests * (1 - target);
  return Math.max(-1, 1 - errors / budget);
}

/**
 * What the SLO counts of the cluster's totals: every request except those sent to a service
 * before it ever had a ready endpoint. An app deployed a moment ago would otherwise spend the
 * class's error budget while its apartments are still under scaffolding.
 */
export function sloTotals(t: { requests: number; errors: number; prelaunchRequests?: number; prelaunchErrors?: number }): { requests: number; errors: number } {
  return { requests: t.requests - (t.prelaunchRequests ?? 0), errors: t.errors - (t.prelaunchErrors ?? 0) };
}

/**
 * The class's SLO figures as every screen shows them, counted from `since` (the totals at the
 * class's start): the live room and a replay must round them alike to agree.
 */
export function sloFigures(
  totals: Parameters<typeof sloTotals>[0],
  since: { requests: number; errors: number },
): { requests: number; errors: number; availability: number; errorBudget: number } {
  const counted = sloTotals(totals);
  const requests = counted.requests - since.requests;
  const errors = counted.errors - since.errors;
  return {
    requests,
    errors,
    availability: Math.round(availability(requests, errors) * 10000) / 10000,
    errorBudget: Math.round(errorBudgetRemaining(requests, errors) * 1000) / 1000,
  };
}

export function availability(requests: number, errors: number): number {
  return requests <= 0 ? 1 : (requests - errors) / requests;
}

export interface StudentTally {
  /** Cluster milliseconds the student's node was Ready. */
  readyMs: number;
  /** Requests answered by pods on the student's node. */
  served: number;
  /** Predictions answered correctly (lessons). */
  correctPredictions: number;
}

/** One point per 10 cluster seconds of a ready node, one per 100 requests served, 50 per right prediction. */
export function points(t: StudentTally): number {
  return Math.floor(t.readyMs / 10_000) + Math.floor(t.served / 100) + 50 * t.correctPredictions;
}
