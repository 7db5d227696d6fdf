// Environment: renderer (DOM). For support staff: how each phone is reached, the effective policy and where
// it comes from, the companion's last log events, the `btoe doctor` checks, a report to paste into a ticket
// and a support bundle (both redacted in main).
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DoctorReport } from '../contract/doctor-report.js';
import type { DiagnosticsView, Result } from '../contract/window.js';
import { messageOf, useApi } from './api-context.js';
import { formatDateTime, formatNumber } from './format.js';

export function DiagnosticsScreen() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const [view, setView] = useState<DiagnosticsView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const [doctor, setDoctor] = useState<DoctorReport | null>(null);
  const [checking, setChecking] = useState(false);
  const [doctorError, setDoctorError] = useState<string | null>(null);
  const [bundle, setBundle] = useState<Result | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let active = true;
    api.invoke('companion:get-diagnostics', undefined).then(
      (next) => {
        if (active) setView(next);
      },
      (failure: unknown) => {
        if (active) setError(messageOf(failure));
      },
    );
    return () => {
      active = false;
    };
  }, [api]);

  const copyReport = () => {
    setCopied(null);
    api
      .invoke('companion:get-report', undefined)
      .then(({ text }) => navigator.clipboard.writeText(text))
      .then(
        () => setCopied(t('diagnostics.copied')),
        (failure: unknown) => setCopied(t('diagnostics.copyFailed', { error: messageOf(failure) })),
      );
  };

  const runChecks = () => {
    setChecking(true);
    setDoctorError(null);
    api
      .invoke('companion:run-doctor', undefined)
      .then(setDoctor, (failure: unknown) =>
        setDoctorError(t('diagnostics.checksFailed', { error: messageOf(failure) })),
      )
      .finally(() => setChecking(false));
  };

  const saveBundle = () => {
    setSaving(true);
    setBundle(null);
    api
      .invoke('companion:save-bundle', undefined)
      .then(setBundle, (failure: unknown) =>
        setBundle({ ok: false, message: t('diagnostics.bundleFailed', { error: messageOf(failure) }) }),
      )
      .finally(() => setSaving(false));
  };

  if (view === null) {
    return (
      <>
        <h2 tabIndex={-1}>{t('diagnostics.heading')}</h2>
        {error === null ? (
          <p>{t('app.loading')}</p>
        ) : (
          <p role="alert" className="error">
            {error}
          </p>
        )}
      </>
    );
  }
  return (
    <>
      <h2 tabIndex={-1}>{t('diagnostics.heading')}</h2>
      <div className="actions">
        <button type="button" onClick={copyReport}>
          {t('diagnostics.copyReport')}
        </button>
      </div>
      <p role="status" className="outcome ok">
        {copied}
      </p>

      <h3 id="diag-checks">{t('diagnostics.checks')}</h3>
      <div className="actions">
        <button type="button" onClick={runChecks} disabled={checking}>
          {checking ? t('diagnostics.checking') : t('diagnostics.runChecks')}
        </button>
        <button type="button" onClick={saveBundle} disabled={saving}>
          {saving ? t('diagnostics.saving') : t('diagnostics.saveBundle')}
        </button>
      </div>
      <p role="status" className={`outcome ${bundle?.ok === false ? 'error' : 'ok'}`}>
        {bundle?.message}
      </p>
      {doctorError !== null && (
        <p role="alert" className="error">
          {doctorError}
        </p>
      )}
      {doctor !== null && (
        <>
          <p>{t(`diagnostics.overall.${doctor.status}`)}</p>
          <table aria-labelledby="diag-checks" data-testid="doctor-checks">
            <thead>
              <tr>
                <th scope="col">{t('diagnostics.check')}</th>
                <th scope="col">{t('diagnostics.status')}</th>
                <th scope="col">{t('diagnostics.found')}</th>
                <th scope="col">{t('diagnostics.fix')}</th>
              </tr>
            </thead>
            <tbody>
              {doctor.checks.map((check) => (
                <tr key={check.id} className={`check-${check.status}`}>
                  <th scope="row">{check.title}</th>
                  <td>{t(`diagnostics.checkStatus.${check.status}`)}</td>
                  <td>
                    {check.summary}
                    {check.details !== undefined && check.details.length > 0 && (
                      <ul>
                        {check.details.map((line) => (
                          <li key={line}>{line}</li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td>{check.fix}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}

      <h3 id="diag-transports">{t('diagnostics.transports')}</h3>
      {view.transports.length === 0 ? (
        <p>{t('diagnostics.noTransports')}</p>
      ) : (
        <table aria-labelledby="diag-transports">
          <thead>
            <tr>
              <th scope="col">{t('diagnostics.phone')}</th>
              <th scope="col">{t('diagnostics.transport')}</th>
              <th scope="col">{t('diagnostics.address')}</th>
              <th scope="col">{t('diagnostics.inUse')}</th>
            </tr>
          </thead>
          <tbody>
            {view.transports.map((row) => (
              <tr key={`${row.phone}-${row.address}`}>
                <td>{row.phone}</td>
                <td>{t(`transport.${row.transport}`, { defaultValue: row.transport })}</td>
                <td className="mono">{row.address}</td>
                <td>{row.inUse ? t('common.yes') : t('common.no')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h3 id="diag-policy">{t('diagnostics.policy')}</h3>
      <p>
        {view.policy.source === 'defaults'
          ? t('diagnostics.policyDefaults')
          : t('diagnostics.policySource', { source: view.policy.source })}
      </p>
      <table aria-labelledby="diag-policy">
        <thead>
          <tr>
            <th scope="col">{t('diagnostics.setting')}</th>
            <th scope="col">{t('diagnostics.value')}</th>
            <th scope="col">{t('diagnostics.from')}</th>
          </tr>
        </thead>
        <tbody>
          {view.policy.rows.map((row) => (
            <tr key={row.key}>
              <th scope="row" className="mono">
                {row.key}
              </th>
              <td>
                {row.value === 'true' ? t('common.yes') : row.value === 'false' ? t('common.no') : row.value}
              </td>
              <td>{row.from}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {view.policy.warnings.length > 0 && (
        <ul className="warnings">
          {view.policy.warnings.map((warning) => (
            <li key={warning}>{warning}</li>
          ))}
        </ul>
      )}
      <p>{t('diagnostics.secretStore', { store: view.secretStore })}</p>

      <h3 id="diag-events">
        {t('diagnostics.events', { shown: formatNumber(view.events.length, i18n.language) })}
      </h3>
      {view.events.length === 0 ? (
        <p>{t('diagnostics.noEvents')}</p>
      ) : (
        <div className="scroll" tabIndex={0} role="region" aria-labelledby="diag-events">
          <table>
            <thead>
              <tr>
                <th scope="col">{t('diagnostics.time')}</th>
                <th scope="col">{t('diagnostics.event')}</th>
                <th scope="col">{t('diagnostics.details')}</th>
              </tr>
            </thead>
            <tbody>
              {[...view.events].reverse().map((event, index) => (
                <tr key={`${event.time}-${index}`}>
                  <td className="nowrap">{formatDateTime(event.time, i18n.language)}</td>
                  <td className="mono nowrap">{event.event}</td>
                  <td className="mono details">{event.details}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
