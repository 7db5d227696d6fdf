// Environment: renderer (DOM). The window's languages (react-i18next): English and French, following the OS
// locale unless the user picked one in Settings. Every key exists in both files (test/unit/locales.test.ts).
import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import type { Language } from '../contract/window.js';
import en from './locales/en.json' with { type: 'json' };
import fr from './locales/fr.json' with { type: 'json' };

export const resources = { en: { translation: en }, fr: { translation: fr } } as const;

/** The language to show: the user's choice, else the first OS language we have, else English. */
export function languageFor(choice: Language | null, osLanguages: readonly string[]): Language {
  if (choice !== null) return choice;
  for (const tag of osLanguages) {
    const base = tag.toLowerCase().split('-')[0];
    if (base === 'en' || base === 'fr') return base;
  }
  return 'en';
}

export function startI18n(language: Language) {
  void i18next.use(initReactI18next).init({
    resources,
    lng: language,
    fallbackLng: 'en',
    initAsync: false,
    // React escapes what it renders; escaping here too would show "&amp;".
    interpolation: { escapeValue: false },
    returnNull: false,
  });
  document.documentElement.lang = language;
  i18next.on('languageChanged', (lng) => {
    document.documentElement.lang = lng;
  });
  return i18next;
}
