// Environment: renderer (DOM). Calls: the dial box (the same parser as `btoe dial`: its error is shown at
// the field), and each phone's current call with its live state, the far end's number and the controls its
// driver has (a Poly or Yealink API may lack some).
import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CallAction, CompanionView, PhoneView, Result } from '../contract/window.js';
import { messageOf, useApi } from './api-context.js';

export function CallsScreen({ view }: { view: CompanionView }) {
  const { t } = useTranslation();
  const connected = view.phones.filter((phone) => phone.paired && phone.connected);
  const calls = connected.filter((phone) => phone.call !== null);
  const dialling = connected.filter((phone) => phone.capabilities.includes('dial'));
  return (
    <>
      <h2 tabIndex={-1}>{t('calls.heading')}</h2>
      {connected.length === 0 ? (
        <p>{t('calls.noPhone')}</p>
      ) : dialling.length === 0 ? (
        <p>{t('calls.noDialling')}</p>
      ) : (
        <DialForm phones={dialling} />
      )}
      <h3>{t('calls.current')}</h3>
      {calls.length === 0 ? (
        <p>{t('calls.none')}</p>
      ) : (
        <ul className="calls">
          {calls.map((phone) => (
            <CurrentCall key={phone.id} phone={phone} showPhone={connected.length > 1} />
          ))}
        </ul>
      )}
    </>
  );
}

function DialForm({ phones }: { phones: readonly PhoneView[] }) {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const [target, setTarget] = useState('');
  const [device, setDevice] = useState(phones[0]?.id ?? '');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setPending(true);
    setError(null);
    setDone(null);
    try {
      const result = await api.invoke('companion:dial', phones.length > 1 ? { target, device } : { target });
      if (result.ok) setDone(result.message);
      else setError(result.message);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="inline-form" onSubmit={(event) => void submit(event)}>
      {phones.length > 1 && (
        <div className="field">
          <label htmlFor={`${ids}-phone`}>{t('calls.phone')}</label>
          <select id={`${ids}-phone`} value={device} onChange={(event) => setDevice(event.target.value)}>
            {phones.map((phone) => (
              <option key={phone.id} value={phone.id}>
                {phone.name}
              </option>
            ))}
          </select>
        </div>
      )}
      <div className="field">
        <label htmlFor={`${ids}-target`}>{t('calls.number')}</label>
        <div className="row">
          <input
            id={`${ids}-target`}
            type="text"
            inputMode="tel"
            required
            autoComplete="off"
            spellCheck={false}
            aria-invalid={error !== null}
            aria-describedby={`${ids}-hint${error !== null ? ` ${ids}-error` : ''}`}
            value={target}
            onChange={(event) => {
              setTarget(event.target.value);
              setError(null);
            }}
          />
          <button type="submit" disabled={pending}>
            {t('calls.dial')}
          </button>
        </div>
        <p className="hint" id={`${ids}-hint`}>
          {t('calls.hint')}
        </p>
        {error !== null && (
          <p className="error" id={`${ids}-error`} role="alert">
            {error}
          </p>
        )}
      </div>
      <p role="status" className="outcome ok">
        {done}
      </p>
    </form>
  );
}

function CurrentCall({ phone, showPhone }: { phone: PhoneView; showPhone: boolean }) {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const [outcome, setOutcome] = useState<Result | null>(null);
  const call = phone.call;
  if (call === null) return null;

  const act = (action: CallAction) => {
    setOutcome(null);
    api.invoke('companion:call', { action, device: phone.id }).then(
      (result) => setOutcome(result.ok ? null : result),
      (error: unknown) => setOutcome({ ok: false, message: messageOf(error) }),
    );
  };
  const can = (capability: string) => phone.capabilities.includes(capability);
  const ringing = call.state === 'offering' && call.direction === 'in';
  const live = call.state === 'connected' || call.state === 'held';

  return (
    <li className="call" aria-labelledby={`${ids}-title`} data-testid="current-call">
      <h4 id={`${ids}-title`}>
        {t(call.direction === 'in' ? 'calls.from' : 'calls.to', { number: call.remote })}
      </h4>
      <p>
        <span className={`call-state call-${call.state}`} data-testid="call-state">
          {t(`callState.${call.state}`)}
        </span>
        {call.muted && <span className="call-muted"> · {t('calls.muted')}</span>}
        {showPhone && <span> · {phone.name}</span>}
        {/* A vendor phone's calls go through its device API: the controls below are the ones it has. */}
        {phone.driver !== 'btoe' && <span data-testid="call-driver"> · {t(`driver.${phone.driver}`)}</span>}
      </p>
      <div className="actions">
        {ringing && can('answer') && (
          <button type="button" onClick={() => act('answer')}>
            {t('calls.answer')}
          </button>
        )}
        {live &&
          (call.state === 'held'
            ? can('resume') && (
                <button type="button" className="secondary" onClick={() => act('resume')}>
                  {t('calls.resume')}
                </button>
              )
            : can('hold') && (
                <button type="button" className="secondary" onClick={() => act('hold')}>
                  {t('calls.hold')}
                </button>
              ))}
        {live && can('mute') && (
          <button type="button" className="secondary" onClick={() => act(call.muted ? 'unmute' : 'mute')}>
            {call.muted ? t('calls.unmute') : t('calls.mute')}
          </button>
        )}
        {can('hangup') && (
          <button type="button" className="danger" onClick={() => act('hangup')}>
            {t('calls.hangUp')}
          </button>
        )}
      </div>
      {outcome !== null && (
        <p role="alert" className="error">
          {outcome.message}
        </p>
      )}
    </li>
  );
}
