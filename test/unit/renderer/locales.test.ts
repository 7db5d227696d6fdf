// The window's two languages stay in step: every key in both files, the same {{placeholders}} in each
// translation, and every key the renderer's code names literally present.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import en from '../../../renderer/locales/en.json' with { type: 'json' };
import fr from '../../../renderer/locales/fr.json' with { type: 'json' };
import { formatDateTime, formatLocale } from '../../../renderer/format.js';
import { languageFor } from '../../../renderer/i18n.js';

type Tree = { [key: string]: string | Tree };

/** Every leaf as "a.b.c" → text. */
function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of leaves(value, path)) out.set(k, v);
  }
  return out;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1]).sort();

/** The keys where a translation is missing, as "key only in LANG". */
function unmatchedKeys(languages: Record<string, Tree>): string[] {
  const all = Object.entries(languages).map(([lang, tree]) => [lang, leaves(tree)] as const);
  const keys = new Set(all.flatMap(([, map]) => [...map.keys()]));
  return [...keys].flatMap((key) => {
    const missing = all.filter(([, map]) => !map.has(key)).map(([lang]) => lang);
    return missing.length === 0 ? [] : [`${key} missing in ${missing.join(', ')}`];
  });
}

describe('the window’s translations', () => {
  it('have the same keys in English and French', () => {
    expect(unmatchedKeys({ en, fr })).toEqual([]);
  });

  it('would report a key that exists in one language only', () => {
    expect(unmatchedKeys({ en: { a: 'A', b: { c: 'C' } }, fr: { a: 'A' } })).toEqual(['b.c missing in fr']);
  });

  it('use the same placeholders in both languages', () => {
    const french = leaves(fr);
    const differing = [...leaves(en)]
      .filter(
        ([key, text]) =>
          french.has(key) && placeholders(text).join() !== placeholders(french.get(key)!).join(),
      )
      .map(([key]) => key);
    expect(differing).toEqual([]);
  });

  it('hold every key the renderer names literally', () => {
    const dir = fileURLToPath(new URL('../../../renderer/', import.meta.url));
    const english = leaves(en);
    const missing = readdirSync(dir)
      .filter((file) => file.endsWith('.tsx') || file.endsWith('.ts'))
      .flatMap((file) =>
        [...readFileSync(dir + file, 'utf8').matchAll(/\bt\(\s*'([\w.-]+)'/g)].map(
          (m) => [file, m[1]!] as const,
        ),
      )
      .filter(([, key]) => !english.has(key))
      .map(([file, key]) => `${file}: ${key}`);
    expect(missing).toEqual([]);
  });

  it('follow the OS language unless the user chose one', () => {
    expect(languageFor(null, ['fr-CA', 'en-US'])).toBe('fr');
    expect(languageFor(null, ['de-DE', 'en-GB'])).toBe('en');
    expect(languageFor(null, ['de-DE'])).toBe('en');
    expect(languageFor('en', ['fr-FR'])).toBe('en');
  });

  it('format dates with the OS’s regional conventions for the window’s language', () => {
    expect(formatLocale('en', ['en-GB', 'fr-FR'])).toBe('en-GB');
    expect(formatLocale('fr', ['en-GB', 'fr-CA'])).toBe('fr-CA');
    expect(formatLocale('fr', ['en-US'])).toBe('fr');
    expect(formatDateTime('not a date', 'en')).toBe('not a date');
  });
});
