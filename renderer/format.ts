// Environment: renderer (DOM). Dates and numbers in the window's language (Intl, no library of our own),
// with the OS's regional conventions when they are for that language (en-GB dates for an English window on
// a British PC, fr-CA for a French one in Canada).

/** The BCP 47 tag to format with: the OS's own tag for the window's language, else the language. */
export function formatLocale(language: string, osLanguages: readonly string[] = navigator.languages): string {
  return osLanguages.find((tag) => tag.toLowerCase().split('-')[0] === language) ?? language;
}
export function formatDateTime(iso: string, language: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(formatLocale(language), { dateStyle: 'short', timeStyle: 'medium' }).format(
    date,
  );
}

export function formatTime(iso: string, language: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(formatLocale(language), { timeStyle: 'short' }).format(date);
}

export function formatNumber(value: number, language: string): string {
  return new Intl.NumberFormat(formatLocale(language)).format(value);
}
