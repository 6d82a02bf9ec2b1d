/** Keys and tokens: random enough to be unguessable, stored only as hashes, compared in constant time. */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString("base64url");
}

export function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Digests have one length whatever the inputs, so neither a key's length nor its content shows in the timing. */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}

/** A uniform float in [0, 1) from the OS's cryptographic generator: class codes keep strangers out. */
export function cryptoRandom(): number {
  return randomBytes(4).readUInt32BE(0) / 0x1_0000_0000;
}

/** A URL fit for logs and error messages: the password (and a user name) replaced, the rest kept. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = "***";
    if (url.username) url.username = "***";
    return url.toString();
  } catch {
    // Not a URL at all: it may still be a password pasted in the wrong variable.
    return "(not a URL, not shown)";
  }
}
