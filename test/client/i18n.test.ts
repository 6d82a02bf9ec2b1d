import { describe, expect, it } from "vitest";
import { en } from "../../client/src/i18n/en.ts";
import { vi } from "../../client/src/i18n/vi.ts";

const catalogs = { en, vi } as Record<string, Record<string, string>>;
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("message catalogs", () => {
  it("have exactly the same keys in every language", () => {
    const keys = Object.keys(en).sort();
    for (const [lang, catalog] of Object.entries(catalogs)) {
      expect(Object.keys(catalog).sort(), lang).toEqual(keys);
    }
  });

  it("have no empty or whitespace-only messages", () => {
    for (const [lang, catalog] of Object.entries(catalogs)) {
      for (const [key, text] of Object.entries(catalog)) {
        expect(text.trim(), `${lang} ${key}`).not.toBe("");
      }
    }
  });

  it("use the same placeholders in every language", () => {
    for (const [key, text] of Object.entries(en)) {
      const want = placeholders(text);
      for (const [lang, catalog] of Object.entries(catalogs)) {
        expect(placeholders(catalog[key]!), `${lang} ${key}`).toEqual(want);
      }
    }
  });

  it("have balanced braces (a typo like {name or name} would print raw)", () => {
    for (const [lang, catalog] of Object.entries(catalogs)) {
      for (const [key, text] of Object.entries(catalog)) {
        const stripped = text.replace(/\{\w+\}/g, "");
        expect(stripped, `${lang} ${key}`).not.toMatch(/[{}]/);
      }
    }
  });

  it("translate prose (a Vietnamese message identical to English is usually a forgotten one)", () => {
    // Single words may match on purpose (Cordon, Drain, Service: kubectl's words); sentences may not.
    const prose = (text: string) => /[a-z]{4,}\s+[a-z]{3,}/i.test(text);
    const keys = Object.keys(en) as (keyof typeof en)[];
    const untranslated = keys.filter((k) => vi[k] === en[k] && prose(en[k]));
    expect(untranslated).toEqual([]);
  });
});
