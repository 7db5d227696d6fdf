// Environment: renderer (DOM). The user's own settings: account, dial region, start at login, lock sync and
// the window's language (the OS locale's unless chosen here).
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Language, SettingsView } from '../contract/window.js';
import { messageOf, useApi } from './api-context.js';

export function SettingsScreen({ onSaved }: { onSaved?: ((settings: SettingsView) => void) | undefined }) {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const [form, setForm] = useState<SettingsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let active = true;
    api.invoke('companion:get-settings', undefined).then(
      (settings) => {
        if (active) setForm(settings);
      },
      (failure: unknown) => {
        if (active) setError(messageOf(failure));
      },
    );
    return () => {
      active = false;
    };
  }, [api]);

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (form === null) return;
    setError(null);
    setSaved(false);
    try {
      const next = await api.invoke('companion:set-settings', form);
      setForm(next);
      setSaved(true);
      onSaved?.(next);
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  const change = (patch: Partial<SettingsView>) => {
    setSaved(false);
    setForm((current) => (current === null ? current : { ...current, ...patch }));
  };

  return (
    <>
      <h2 tabIndex={-1}>{t('settings.heading')}</h2>
      {form === null ? (
        error === null ? (
          <p>{t('app.loading')}</p>
        ) : (
          <p role="alert" className="error">
            {error}
          </p>
        )
      ) : (
        <form className="settings" onSubmit={(event) => void submit(event)}>
          <div className="field">
            <label htmlFor={`${ids}-user`}>{t('settings.user')}</label>
            <input
              id={`${ids}-user`}
              type="email"
              autoComplete="username"
              aria-describedby={`${ids}-user-hint`}
              value={form.user ?? ''}
              onChange={(event) => change({ user: event.target.value })}
            />
            <p className="hint" id={`${ids}-user-hint`}>
              {t('settings.userHint')}
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-region`}>{t('settings.region')}</label>
            <input
              id={`${ids}-region`}
              type="text"
              className="short"
              maxLength={2}
              autoComplete="country"
              aria-describedby={`${ids}-region-hint`}
              value={form.defaultRegion ?? ''}
              onChange={(event) => change({ defaultRegion: event.target.value })}
            />
            <p className="hint" id={`${ids}-region-hint`}>
              {t('settings.regionHint')}
            </p>
          </div>
          <div className="check">
            <input
              id={`${ids}-login`}
              type="checkbox"
              checked={form.startAtLogin}
              onChange={(event) => change({ startAtLogin: event.target.checked })}
            />
            <label htmlFor={`${ids}-login`}>{t('settings.startAtLogin')}</label>
          </div>
          <div className="check">
            <input
              id={`${ids}-sync`}
              type="checkbox"
              checked={form.lockSync}
              aria-describedby={`${ids}-sync-hint`}
              onChange={(event) => change({ lockSync: event.target.checked })}
            />
            <label htmlFor={`${ids}-sync`}>{t('settings.lockSync')}</label>
          </div>
          <p className="hint check-hint" id={`${ids}-sync-hint`}>
            {t('settings.lockSyncHint')}
          </p>
          <div className="field">
            <label htmlFor={`${ids}-language`}>{t('settings.language')}</label>
            <select
              id={`${ids}-language`}
              value={form.language ?? 'system'}
              onChange={(event) =>
                change({
                  language: event.target.value === 'system' ? null : (event.target.value as Language),
                })
              }
            >
              <option value="system">{t('settings.languageSystem')}</option>
              {/* Each language is named in itself, so a user who cannot read the current one finds theirs. */}
              <option value="en" lang="en">
                English
              </option>
              <option value="fr" lang="fr">
                Français
              </option>
            </select>
          </div>
          <div className="actions">
            <button type="submit">{t('settings.save')}</button>
          </div>
          {error !== null && (
            <p role="alert" className="error">
              {error}
            </p>
          )}
          <p role="status" className="outcome ok">
            {saved ? t('settings.saved') : null}
          </p>
        </form>
      )}
    </>
  );
}
