/** Resource quantities ("250m", "0.5", "1Gi", "512M") and image references, as manifests write them. */

export const QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const QUANTITY = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/** A quantity's value in base units (cores, bytes); null when it is not a quantity. */
export function quantityValue(raw: unknown): number | null {
  if (typeof raw === "number") return Number.isFinite(raw) ? raw : null;
  if (typeof raw !== "string") return null;
  const m = QUANTITY.exec(raw.trim());
  if (!m) return null;
  const num = Number(m[1]);
  if (!Number.isFinite(num)) return null;
  const suffix = m[2]!;
  if (suffix in BINARY) return num * BINARY[suffix]!;
  if (suffix in DECIMAL) return num * DECIMAL[suffix]!;
  const exp = /^[eE]([-+]?\d+)$/.exec(suffix);
  if (exp) return num * 10 ** Number(exp[1]);
  return null;
}

/** CPU in millicores, rounded up as the API server rounds sub-milli precision. */
export function cpuMilli(raw: unknown): number | null {
  const v = quantityValue(raw);
  return v === null ? null : Math.ceil(Math.round(v * 1e9) / 1e6);
}

/** Memory in MiB, rounded up: the simulation counts whole MiB. */
export function memoryMiB(raw: unknown): number | null {
  const v = quantityValue(raw);
  return v === null ? null : Math.ceil(v / 2 ** 20);
}

const TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/** `registry/path/name:tag` into the repository and the tag (the release version); no tag is "latest". */
export function imageParts(image: string): { repo: string; version: string } | { error: string } {
  if (image.trim() === "") return { error: "image is required" };
  if (image.includes("@")) return { error: `image "${image}": Container City does not pull by digest; use a tag such as web:v2` };
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  const repo = colon > slash ? image.slice(0, colon) : image;
  const version = colon > slash ? image.slice(colon + 1) : "latest";
  if (!TAG.test(version)) return { error: `image "${image}": the tag "${version}" is not a valid tag` };
  return { repo, version };
}

/** The simulation always runs `<app>:<tag>`; say so when the manifest names another repository. */
export function imageWarning(app: string, image: string): string | null {
  const parts = imageParts(image);
  if ("error" in parts) return null;
  const base = parts.repo.slice(parts.repo.lastIndexOf("/") + 1);
  return base === app ? null : `Warning: Container City builds each app's own image: "${image}" runs as "${app}:${parts.version}"`;
}
