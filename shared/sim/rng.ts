/**
 * Seeded pseudo-random numbers kept in the state (sfc32, 128-bit state), so that a class replays
 * exactly from its seed and command log. Each subsystem draws from its own stream: adding a draw in
 * the traffic model must not change which node the scheduler picks.
 */
export type RngState = [number, number, number, number];

/** splitmix32: spreads one 32-bit seed into well-mixed words for sfc32. */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function seedRng(seed: number, stream: string): RngState {
  let h = seed >>> 0;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193) >>> 0;
  const next = splitmix32(h);
  const st: RngState = [next(), next(), next(), next() | 1];
  for (let i = 0; i < 12; i++) nextUint32(st);
  return st;
}

export function nextUint32(st: RngState): number {
  let [a, b, c, d] = st;
  const t = (((a + b) >>> 0) + d) >>> 0;
  d = (d + 1) >>> 0;
  a = b ^ (b >>> 9);
  b = (c + (c << 3)) >>> 0;
  c = ((c << 21) | (c >>> 11)) >>> 0;
  c = (c + t) >>> 0;
  st[0] = a >>> 0;
  st[1] = b;
  st[2] = c;
  st[3] = d;
  return t;
}

/** Uniform in [0, 1). */
export function nextFloat(st: RngState): number {
  return nextUint32(st) / 4294967296;
}

/** Uniform integer in [0, n). */
export function nextInt(st: RngState, n: number): number {
  return Math.floor(nextFloat(st) * n);
}

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const q = Math.min(p, 1 - p);
  let x: number;
  if (q < 0.02425) {
    const r = Math.sqrt(-2 * Math.log(q));
    x = (((((c[0]! * r + c[1]!) * r + c[2]!) * r + c[3]!) * r + c[4]!) * r + c[5]!) / ((((d[0]! * r + d[1]!) * r + d[2]!) * r + d[3]!) * r + 1);
  } else {
    const r = (q - 0.5) * (q - 0.5);
    x = ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * (q - 0.5)) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  }
  return p > 0.5 ? -x : x;
}

const QUANTILE_BITS = 12;
/** 4,096 equal-probability normal quantiles: one table look-up per deviate instead of log, sqrt and cos. */
const QUANTILES = Float64Array.from({ length: 1 << QUANTILE_BITS }, (_, i) => normalQuantile((i + 0.5) / (1 << QUANTILE_BITS)));

/**
 * A standard normal deviate, from a table of quantiles. Its tails stop at about ±3.5σ, which is
 * plenty for spreading requests over endpoints, and it costs one draw.
 */
export function nextGaussian(st: RngState): number {
  return QUANTILES[nextUint32(st) >>> (32 - QUANTILE_BITS)]!;
}
