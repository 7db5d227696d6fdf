// Environment: Electron main (plain TypeScript: no electron import). The shell's own words (tray, notifications,
// error boxes) in English and French, with i18next, the core of the library the renderer uses; the strings live in
// locales/<language>/shell.json, a namespace of their own beside the renderer's.
import i18next from 'i18next';
import en from '../../locales/en/shell.json' with { type: 'json' };
import fr from '../../locales/fr/shell.json' with { type: 'json' };

export const SHELL_LANGUAGES = ['en', 'fr'] as const;
export type ShellLanguage = (typeof SHELL_LANGUAGES)[number];

/** Looks a key up (`tray.connected`) and fills in its `{{values}}`. */
export type Translate = (key: string, values?: Record<string, string | number>) => string;

/** The language for an OS locale list (`app.getPreferredSystemLanguages()`): the first one we speak, else English. */
export function shellLanguage(locales: readonly string[]): ShellLanguage {
  for (const locale of locales) {
    const language = locale.toLowerCase().split(/[-_]/)[0];
    const known = SHELL_LANGUAGES.find((l) => l === language);
    if (known !== undefined) return known;
  }
  return 'en';
}

export function createTranslate(language: ShellLanguage): Translate {
  const i18n = i18next.createInstance();
  // Resources are in memory, so initialisation completes before init() returns.
  void i18n.init({
    lng: language,
    fallbackLng: 'en',
    ns: ['shell'],
    defaultNS: 'shell',
    resources: { en: { shell: en }, fr: { shell: fr } },
    initAsync: false,
    // Text goes to notifications and menus, never into HTML.
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  const t = i18n.getFixedT(language, 'shell');
  return (key, values) => t(key, values ?? {});
}
