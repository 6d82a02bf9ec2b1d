/**
 * Message catalogs and the language switch. All text a person reads goes through t(), so a page
 * can be shown in English or Vietnamese and re-rendered when the language changes.
 */
import { en, type MessageKey } from "./en.ts";
import { vi } from "./vi.ts";

export type { MessageKey };
export const LANGUAGES = { en: "English", vi: "Tiếng Việt" } as const;
export type Language = keyof typeof LANGUAGES;

const catalogs: Record<Language, Record<MessageKey, string>> = { en, vi };
const STORAGE_KEY = "container-city:lang";
const listeners = new Set<() => void>();

function initial(): Language {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
  if (saved === "en" || saved === "vi") return saved;
  return globalThis.navigator?.language?.toLowerCase().startsWith("vi") ? "vi" : "en";
}

let current: Language = initial();

export function language(): Language {
  return current;
}

export function setLanguage(lang: Language): void {
  current = lang;
  globalThis.localStorage?.setItem(STORAGE_KEY, lang);
  if (globalThis.document) document.documentElement.lang = lang;
  for (const fn of listeners) fn();
}

export function onLanguageChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** The message in the current language, with {name} placeholders filled. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = catalogs[current][key] ?? en[key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => (k in vars ? String(vars[k]) : `{${k}}`));
}

export function catalog(lang: Language): Record<MessageKey, string> {
  return catalogs[lang];
}
