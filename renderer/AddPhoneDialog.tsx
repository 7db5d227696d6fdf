// Environment: renderer (DOM). "Add a Poly or Yealink phone…": the vendor, the phone's address or URL and
// its admin credentials, then (HTTPS) the phone's certificate for the user to confirm, then the result. The
// password lives only in its field (never in React state) and the field is emptied once the companion has
// answered; every refusal is the companion's own sentence, with the rest of the form kept for a fix.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import {
  DEFAULT_ADMIN_USER,
  VENDOR_PHONES,
  vendorPhoneUrl,
  type AddPhoneResult,
  type VendorPhone,
} from '../contract/window.js';
import { messageOf, useApi } from './api-context.js';
import { Dialog } from './Dialog.js';
import { formatDateTime } from './format.js';

type Certificate = Extract<AddPhoneResult, { confirmCertificate: unknown }>['confirmCertificate'];
type Step =
  { kind: 'form' } | { kind: 'certificate'; certificate: Certificate } | { kind: 'added'; name: string };

/** A fingerprint in colon-separated upper-case pairs, as phones and browsers show it. */
function fingerprint(sha256: string): string {
  const hex = sha256.replace(/:/g, '').toUpperCase();
  return (hex.match(/.{1,2}/g) ?? []).join(':');
}

export function AddPhoneDialog({
  open,
  onClose,
  onAdded,
}: {
  open: boolean;
  onClose: () => void;
  onAdded: () => void;
}) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const ids = useId();
  const [vendor, setVendor] = useState<VendorPhone>('poly');
  const [url, setUrl] = useState('');
  const [user, setUser] = useState<string>(DEFAULT_ADMIN_USER.poly);
  const [step, setStep] = useState<Step>({ kind: 'form' });
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // The certificate the user trusted for this URL: a retry after a refusal (a mistyped password) is not asked
  // again; a phone that now presents another one is refused by the companion, with its own message.
  const [trusted, setTrusted] = useState<{ url: string; sha256: string } | null>(null);
  const password = useRef<HTMLInputElement>(null);
  const done = useRef<HTMLButtonElement>(null);
  const confirm = useRef<HTMLButtonElement>(null);
  // Focus follows the step: the confirmation's Trust button, the result's Done, or the emptied password field
  // after a refusal (the alert says why).
  const [focusAfter, setFocusAfter] = useState(0);
  useEffect(() => {
    if (focusAfter === 0) return;
    (step.kind === 'certificate' ? confirm : step.kind === 'added' ? done : password).current?.focus();
  }, [focusAfter, step.kind]);

  const close = () => {
    if (step.kind === 'added') setUrl('');
    setStep({ kind: 'form' });
    setError(null);
    onClose();
  };

  const chooseVendor = (next: VendorPhone) => {
    // The admin user follows the vendor unless the user typed another one.
    if (user === DEFAULT_ADMIN_USER[vendor]) setUser(DEFAULT_ADMIN_USER[next]);
    setVendor(next);
  };

  async function send(confirmed?: string): Promise<void> {
    const field = password.current;
    if (field === null) return;
    const target = vendorPhoneUrl(vendor, url);
    if (confirmed !== undefined) setTrusted({ url: target, sha256: confirmed });
    const certificateSha256 = confirmed ?? (trusted?.url === target ? trusted.sha256 : undefined);
    setPending(true);
    setError(null);
    try {
      const result = await api.invoke('companion:add-phone', {
        vendor,
        url,
        user,
        password: field.value,
        ...(certificateSha256 === undefined ? {} : { certificateSha256 }),
      });
      if ('confirmCertificate' in result) {
        // The password stays in its (hidden) field until the user confirms or cancels: the second request
        // needs it, and nothing else keeps it.
        setStep({ kind: 'certificate', certificate: result.confirmCertificate });
        setFocusAfter((n) => n + 1);
        return;
      }
      field.value = '';
      setStep({ kind: 'added', name: result.name });
      onAdded();
      setFocusAfter((n) => n + 1);
    } catch (failure) {
      field.value = '';
      setError(messageOf(failure));
      setStep({ kind: 'form' });
      setFocusAfter((n) => n + 1);
    } finally {
      setPending(false);
    }
  }

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    void send();
  };

  const effectiveUrl = url.trim() === '' ? null : vendorPhoneUrl(vendor, url);
  const described = (hint: string) => `${hint}${error !== null ? ` ${ids}-error` : ''}`;

  return (
    <Dialog
      open={open}
      labelledBy={`${ids}-title`}
      onClose={close}
      returnFocusTo={() => document.querySelector<HTMLElement>('[data-action="add-vendor-phone"]')}
    >
      <form onSubmit={submit} className="dialog-form" data-testid="add-phone-dialog">
        <h2 id={`${ids}-title`}>{t('addPhone.title')}</h2>
        <div hidden={step.kind !== 'form'}>
          <p>{t('addPhone.intro')}</p>
          <div className="field">
            <label htmlFor={`${ids}-vendor`}>{t('addPhone.vendor')}</label>
            <select
              id={`${ids}-vendor`}
              className="short-select"
              data-autofocus
              value={vendor}
              onChange={(event) => chooseVendor(event.target.value === 'yealink' ? 'yealink' : 'poly')}
            >
              {VENDOR_PHONES.map((name) => (
                <option key={name} value={name}>
                  {t(`addPhone.vendorName.${name}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-url`}>{t('addPhone.url')}</label>
            <input
              id={`${ids}-url`}
              name="url"
              type="text"
              required
              autoComplete="off"
              spellCheck={false}
              placeholder={vendor === 'poly' ? 'https://192.168.1.30' : 'http://192.168.1.30'}
              aria-invalid={error !== null}
              aria-describedby={described(`${ids}-url-hint`)}
              value={url}
              onChange={(event) => setUrl(event.target.value)}
            />
            <p className="hint" id={`${ids}-url-hint`}>
              {effectiveUrl === null
                ? t(`addPhone.urlHint.${vendor}`)
                : t('addPhone.urlEffective', { url: effectiveUrl })}
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-user`}>{t('addPhone.user')}</label>
            <input
              id={`${ids}-user`}
              name="user"
              type="text"
              required
              autoComplete="off"
              spellCheck={false}
              aria-describedby={`${ids}-user-hint`}
              value={user}
              onChange={(event) => setUser(event.target.value)}
            />
            <p className="hint" id={`${ids}-user-hint`}>
              {t(`addPhone.userHint.${vendor}`)}
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-password`}>{t('addPhone.password')}</label>
            <input
              ref={password}
              id={`${ids}-password`}
              name="password"
              type="password"
              required
              autoComplete="off"
              aria-invalid={error !== null}
              aria-describedby={described(`${ids}-password-hint`)}
            />
            <p className="hint" id={`${ids}-password-hint`}>
              {t('addPhone.passwordHint')}
            </p>
          </div>
          {error !== null && (
            <p className="error" id={`${ids}-error`} role="alert">
              {t('addPhone.failed', { error })}
            </p>
          )}
          <div className="actions">
            <button type="submit" disabled={pending}>
              {pending ? t('addPhone.adding') : t('addPhone.add')}
            </button>
            <button type="button" className="secondary" onClick={close}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
        {step.kind === 'certificate' && (
          <div data-testid="add-phone-certificate">
            <p>{t('addPhone.certificateIntro')}</p>
            <dl className="phone-facts certificate">
              <div className="fact">
                <dt>{t('addPhone.fingerprint')}</dt>
                <dd className="fingerprint" data-testid="certificate-sha256">
                  {fingerprint(step.certificate.sha256)}
                </dd>
              </div>
              <div className="fact">
                <dt>{t('addPhone.subject')}</dt>
                <dd>{step.certificate.subject}</dd>
              </div>
              <div className="fact">
                <dt>{t('addPhone.validTo')}</dt>
                <dd>{formatDateTime(step.certificate.validTo, i18n.language)}</dd>
              </div>
            </dl>
            <p className="hint">{t(`addPhone.certificateCheck.${vendor}`)}</p>
            <div className="actions">
              <button
                ref={confirm}
                type="button"
                disabled={pending}
                onClick={() => void send(step.certificate.sha256)}
              >
                {pending ? t('addPhone.adding') : t('addPhone.trust')}
              </button>
              <button type="button" className="secondary" onClick={close}>
                {t('common.cancel')}
              </button>
            </div>
          </div>
        )}
        {step.kind === 'added' && (
          <div>
            <p role="status">{t('addPhone.added', { name: step.name, driver: t(`driver.${vendor}`) })}</p>
            <div className="actions">
              <button ref={done} type="button" onClick={close}>
                {t('addPhone.done')}
              </button>
            </div>
          </div>
        )}
      </form>
    </Dialog>
  );
}
