// Environment: DOM (renderer). The companion window: the phones the companion knows and the pair form.
import { useCallback, useEffect, useState } from 'react';
import type { CompanionView, PolicyPairingMode } from '../contract/window.js';
import { messageOf, useApi } from './api-context.js';
import { PairForm } from './PairForm.js';
import { PhoneList } from './PhoneList.js';

const PAIRING_MODE_TEXT: Record<PolicyPairingMode, string> = {
  auto: 'Auto',
  manual: 'Manual',
  off: 'Off',
};

export function App() {
  const api = useApi();
  const [view, setView] = useState<CompanionView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    let active = true;
    // A push that arrives before the first answer is newer than that answer: keep the push.
    let pushed = false;
    const unsubscribe = api.onStatusChanged((next) => {
      pushed = true;
      if (active) setView(next);
    });
    api.getStatus().then(
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

  const refresh = useCallback(() => {
    api.getStatus().then(setView, (error: unknown) => setLoadError(messageOf(error)));
  }, [api]);

  return (
    <main className="app">
      <header className="app-header">
        <h1>BToE Companion</h1>
        {view !== null && (
          <dl className="summary">
            <div>
              <dt>Pairing mode</dt>
              <dd data-testid="pairing-mode">{PAIRING_MODE_TEXT[view.pairingMode]}</dd>
            </div>
            <div>
              <dt>Pairing keys kept in</dt>
              <dd>{view.secretStore}</dd>
            </div>
          </dl>
        )}
      </header>

      <section aria-labelledby="phones-heading">
        <h2 id="phones-heading">Phones</h2>
        {loadError !== null ? (
          <p role="alert" className="error">
            The companion did not answer: {loadError}
          </p>
        ) : view === null ? (
          <p>Looking for phones…</p>
        ) : (
          <PhoneList phones={view.phones} />
        )}
      </section>

      <section aria-labelledby="pair-heading">
        <h2 id="pair-heading">Pair with Phone</h2>
        <PairForm phones={view?.phones ?? []} onPaired={refresh} />
      </section>
    </main>
  );
}
