// Environment: renderer (DOM). Mounts the app on the API the preload exposed, in the user's language.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import type { SettingsView } from '../contract/window.js';
import { ApiProvider } from './api-context.js';
import { App } from './App.js';
import { languageFor, startI18n } from './i18n.js';
import './styles.css';

const container = document.getElementById('root');
if (container === null) throw new Error('renderer/index.html has no #root element.');
const root = createRoot(container);
const api = window.btoe;

if (api === undefined) {
  const i18n = startI18n(languageFor(null, navigator.languages));
  root.render(
    <main className="app">
      <h1>{i18n.t('app.title')}</h1>
      <p role="alert" className="error">
        {i18n.t('app.noBridge')}
      </p>
    </main>,
  );
} else {
  // The language is a setting: read it before the first paint, so the window never flashes in another one.
  const choice = await api.invoke('companion:get-settings', undefined).then(
    (settings) => settings.language,
    () => null,
  );
  const i18n = startI18n(languageFor(choice, navigator.languages));
  const onSettings = (settings: SettingsView) =>
    void i18n.changeLanguage(languageFor(settings.language, navigator.languages));
  root.render(
    <StrictMode>
      <I18nextProvider i18n={i18n}>
        <ApiProvider api={api}>
          <App onSettings={onSettings} />
        </ApiProvider>
      </I18nextProvider>
    </StrictMode>,
  );
}
