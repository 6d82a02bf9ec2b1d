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

/** Two independent standard normal deviates (Box-Muller), for spreading large request counts over endpoints. */
export function nextGaussianPair(st: RngState): [number, number] {
  const u = 1 - nextFloat(st);
  const v = nextFloat(st);
  const r = Math.sqrt(-2 * Math.log(u));
  return [r * Math.cos(2 * Math.PI * v), r * Math.sin(2 * Math.PI * v)];
}
