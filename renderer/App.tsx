// Environment: renderer (DOM). The companion window: one tab per thing the companion does (phones, calls,
// sign-in, settings, diagnostics), fed by the status the main process pushes.
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CompanionView, SettingsView } from '../contract/window.js';
import { messageOf, useApi } from './api-context.js';
import { CallsScreen } from './CallsScreen.js';
import { DiagnosticsScreen } from './DiagnosticsScreen.js';
import { PhonesScreen } from './PhonesScreen.js';
import { SettingsScreen } from './SettingsScreen.js';
import { SignInScreen } from './SignInScreen.js';

export const SCREENS = ['phones', 'calls', 'sign-in', 'settings', 'diagnostics'] as const;
export type Screen = (typeof SCREENS)[number];

/** The page the main process asks for in the URL's fragment: #diagnostics from the tray, #calls from a notification. */
function screenFromHash(hash: string): Screen | undefined {
  const page = hash.replace(/^#/, '');
  if (page === 'pair') return 'phones';
  return (SCREENS as readonly string[]).includes(page) ? (page as Screen) : undefined;
}

export function App({ onSettings }: { onSettings?: (settings: SettingsView) => void }) {
  const api = useApi();
  const { t } = useTranslation();
  const [view, setView] = useState<CompanionView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [screen, setScreen] = useState<Screen>(() => screenFromHash(window.location.hash) ?? 'phones');
  const tabs = useRef(new Map<Screen, HTMLButtonElement>());

  useEffect(() => {
    let active = true;
    // A push that arrives before the first answer is newer than that answer: keep the push.
    let pushed = false;
    const unsubscribe = api.onStatusChanged((next) => {
      pushed = true;
      if (active) setView(next);
    });
    api.invoke('companion:get-status', undefined).then(
      (first) => {
        if (active && !pushed) setView(first);
      },
      (error: unknown) => {
        if (active) setLoadError(messageOf(error));
      },
    );
    return () => {
      active = false;
      unsubscribe();
    };
  }, [api]);

  useEffect(() => {
    const follow = (): void => {
      const asked = screenFromHash(window.location.hash);
      if (asked !== undefined) setScreen(asked);
    };
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);

  const refresh = useCallback(() => {
    api
      .invoke('companion:get-status', undefined)
      .then(setView, (error: unknown) => setLoadError(messageOf(error)));
  }, [api]);

  // Arrow keys move between tabs, Home/End jump (the WAI-ARIA tabs pattern); Tab goes into the panel.
  function onTabKey(event: KeyboardEvent<HTMLButtonElement>): void {
    const index = SCREENS.indexOf(screen);
    const next =
      event.key === 'ArrowRight'
        ? SCREENS[(index + 1) % SCREENS.length]
        : event.key === 'ArrowLeft'
          ? SCREENS[(index + SCREENS.length - 1) % SCREENS.length]
          : event.key === 'Home'
            ? SCREENS[0]
            : event.key === 'End'
              ? SCREENS[SCREENS.length - 1]
              : undefined;
    if (next === undefined) return;
    event.preventDefault();
    setScreen(next);
    tabs.current.get(next)?.focus();
  }

  return (
    <main className="app">
      <header className="app-header">
        <h1 tabIndex={-1}>{t('app.title')}</h1>
        {view !== null && (
          <p className="app-version" data-testid="app-version">
            {t('app.version', { version: view.version })}
          </p>
        )}
        {view !== null && view.pcLocked && (
          <p className="pc-locked" data-testid="pc-locked">
            {t('app.pcLocked')}
          </p>
        )}
      </header>
      <div role="tablist" aria-label={t('app.sections')} className="tabs">
        {SCREENS.map((id) => (
          <button
            key={id}
            ref={(element) => {
              if (element) tabs.current.set(id, element);
              else tabs.current.delete(id);
            }}
            type="button"
            role="tab"
            id={`tab-${id}`}
            aria-controls={`panel-${id}`}
            aria-selected={screen === id}
            tabIndex={screen === id ? 0 : -1}
            onClick={() => setScreen(id)}
            onKeyDown={onTabKey}
          >
            {t(`tabs.${id}`)}
          </button>
        ))}
      </div>
      <section
        role="tabpanel"
        id={`panel-${screen}`}
        aria-labelledby={`tab-${screen}`}
        className="panel"
        tabIndex={-1}
      >
        {loadError !== null ? (
          <p role="alert" className="error">
            {t('app.noAnswer', { error: loadError })}
          </p>
        ) : view === null ? (
          <p>{t('app.loading')}</p>
        ) : screen === 'phones' ? (
          <PhonesScreen view={view} onChanged={refresh} />
        ) : screen === 'calls' ? (
          <CallsScreen view={view} />
        ) : screen === 'sign-in' ? (
          <SignInScreen view={view} />
        ) : screen === 'settings' ? (
          <SettingsScreen onSaved={onSettings} />
        ) : (
          <DiagnosticsScreen />
        )}
      </section>
    </main>
  );
}
