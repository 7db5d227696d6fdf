// Environment: renderer (DOM). Sign-in via the PC: a phone that asks for web sign-in shows its address and
// code (Copy, Open); one that asks for the account gets it from here, the password field emptied once sent.
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CompanionView, PhoneView, Result } from '../contract/window.js';
import { messageOf, useApi } from './api-context.js';
import { formatTime } from './format.js';

export function SignInScreen({ view }: { view: CompanionView }) {
  const { t } = useTranslation();
  const phones = view.phones.filter((phone) => phone.paired && phone.connected && phone.signIn !== null);
  return (
    <>
      <h2 tabIndex={-1}>{t('signIn.heading')}</h2>
      <p>{t('signIn.intro')}</p>
      {phones.length === 0 ? (
        <p>{t('signIn.noPhone')}</p>
      ) : (
        <ul className="phones">
          {phones.map((phone) => (
            <SignInCard key={phone.id} phone={phone} />
          ))}
        </ul>
      )}
    </>
  );
}

function SignInCard({ phone }: { phone: PhoneView }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const ids = useId();
  const [outcome, setOutcome] = useState<Result | null>(null);
  const signIn = phone.signIn;
  if (signIn === null) return null;
  const pending = signIn.pending;

  const open = () => {
    setOutcome(null);
    api
      .invoke('companion:open-sign-in', { device: phone.id })
      .then(setOutcome, (error: unknown) => setOutcome({ ok: false, message: messageOf(error) }));
  };
  const copy = (code: string) => {
    navigator.clipboard.writeText(code).then(
      () => setOutcome({ ok: true, message: t('signIn.copied') }),
      () => setOutcome({ ok: false, message: t('signIn.copyFailed') }),
    );
  };

  return (
    <li className="phone" aria-labelledby={`${ids}-name`}>
      <h3 id={`${ids}-name`}>{phone.name}</h3>
      {pending === null ? (
        <p>{signIn.user === null ? t('signIn.notAsking') : t('signIn.signedInAs', { user: signIn.user })}</p>
      ) : pending.method === 'web' ? (
        <>
          <p>{t('signIn.webHowTo')}</p>
          <dl className="phone-facts">
            <div className="fact">
              <dt>{t('signIn.address')}</dt>
              <dd className="mono">{pending.address}</dd>
            </div>
            <div className="fact">
              <dt>{t('signIn.code')}</dt>
              <dd className="mono big" data-testid="sign-in-code">
                {pending.userCode}
              </dd>
            </div>
            <div className="fact">
              <dt>{t('signIn.expires')}</dt>
              <dd>{formatTime(pending.expiresAt, i18n.language)}</dd>
            </div>
          </dl>
          <div className="actions">
            <button type="button" onClick={() => copy(pending.userCode)}>
              {t('signIn.copy')}
            </button>
            <button type="button" className="secondary" onClick={open}>
              {t('signIn.open')}
            </button>
          </div>
        </>
      ) : (
        <CredentialsForm phone={phone} onResult={setOutcome} />
      )}
      <p role="status" className={outcome === null ? 'outcome' : `outcome ${outcome.ok ? 'ok' : 'error'}`}>
        {outcome?.message}
      </p>
    </li>
  );
}

function CredentialsForm({ phone, onResult }: { phone: PhoneView; onResult: (result: Result) => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [pending, setPending] = useState(false);

  // The account from Settings, when the user set one there.
  useEffect(() => {
    let active = true;
    api.invoke('companion:get-settings', undefined).then(
      (settings) => {
        if (active && settings.user !== null)
          setUser((typed) => (typed === '' ? (settings.user ?? '') : typed));
      },
      () => undefined,
    );
    return () => {
      active = false;
    };
  }, [api]);

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setPending(true);
    const sent = password;
    // Cleared at once: the password lives in this page only until it is on its way.
    setPassword('');
    try {
      onResult(await api.invoke('companion:sign-in', { device: phone.id, user, password: sent }));
    } catch (error) {
      onResult({ ok: false, message: messageOf(error) });
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="dialog-form" onSubmit={(event) => void submit(event)}>
      <p>{t('signIn.credentialsHowTo')}</p>
      <div className="field">
        <label htmlFor={`${ids}-user`}>{t('signIn.account')}</label>
        <input
          id={`${ids}-user`}
          type="email"
          required
          autoComplete="username"
          value={user}
          onChange={(event) => setUser(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${ids}-password`}>{t('signIn.password')}</label>
        <input
          id={`${ids}-password`}
          type="password"
          required
          autoComplete="current-password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
        />
      </div>
      <button type="submit" disabled={pending}>
        {t('signIn.send')}
      </button>
    </form>
  );
}
