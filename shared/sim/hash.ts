/**
 * A stable fingerprint of a state: FNV-1a (two independent 32-bit lanes) over its JSON text.
 * Records keep insertion order, so equal command logs give byte-identical JSON.
 */
export function hashString(text: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

export function stateHash(state: unknown): string {
  return hashString(JSON.stringify(state));
}
