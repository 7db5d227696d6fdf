// Environment: renderer (DOM). The phones: one card each (what it is, how it is reached and through which
// driver, whether its lock follows the PC and why not, a vendor phone's device facts), pairing (Auto, or the
// code the phone shows), unpairing, finding a phone by its address, and adding a Poly or Yealink phone.
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { CompanionView, PhoneView, Result } from '../contract/window.js';
import { AddPhoneDialog } from './AddPhoneDialog.js';
import { messageOf, useApi } from './api-context.js';
import { Dialog } from './Dialog.js';

const actionButton = (phone: string, action: string): HTMLElement | null =>
  document.querySelector<HTMLElement>(`[data-phone="${CSS.escape(phone)}"][data-action="${action}"]`);

export function PhonesScreen({ view, onChanged }: { view: CompanionView; onChanged: () => void }) {
  const { t } = useTranslation();
  return (
    <>
      <h2 id="phones-heading" tabIndex={-1}>
        {t('phones.heading')}
      </h2>
      {view.pairingModeByPolicy || view.pairingMode === 'off' ? (
        <>
          <dl className="summary">
            <div>
              <dt>{t('phones.pairingMode')}</dt>
              <dd data-testid="pairing-mode">{t(`pairingMode.${view.pairingMode}`)}</dd>
            </div>
          </dl>
          <p className="hint summary-hint" data-testid="pairing-mode-source">
            {t('phones.pairingModeByPolicy', { source: view.policySource })}
          </p>
        </>
      ) : (
        <PairingModeChoice mode={view.pairingMode} onChanged={onChanged} />
      )}
      {view.phones.length === 0 ? (
        <p>{t('phones.none')}</p>
      ) : (
        <ul className="phones">
          {view.phones.map((phone) => (
            <PhoneCard key={phone.id} phone={phone} pairingMode={view.pairingMode} onChanged={onChanged} />
          ))}
        </ul>
      )}
      <LookUpForm onFound={onChanged} />
      <AddVendorPhone onAdded={onChanged} />
    </>
  );
}

/** "Add a Poly or Yealink phone…": phones driven through their vendor's device API (docs/vendor-phones.md). */
function AddVendorPhone({ onAdded }: { onAdded: () => void }) {
  const { t } = useTranslation();
  const ids = useId();
  const [open, setOpen] = useState(false);
  return (
    <section className="inline-form" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>{t('addPhone.heading')}</h3>
      <p className="hint" id={`${ids}-hint`}>
        {t('addPhone.why')}
      </p>
      <button
        type="button"
        className="secondary"
        data-action="add-vendor-phone"
        aria-describedby={`${ids}-hint`}
        onClick={() => setOpen(true)}
      >
        {t('addPhone.open')}
      </button>
      <AddPhoneDialog open={open} onClose={() => setOpen(false)} onAdded={onAdded} />
    </section>
  );
}

/** Auto or Manual, the user's choice where no admin policy decides it (a setting, saved by the companion). */
function PairingModeChoice({ mode, onChanged }: { mode: 'auto' | 'manual'; onChanged: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const [error, setError] = useState<string | null>(null);

  async function choose(next: 'auto' | 'manual'): Promise<void> {
    setError(null);
    try {
      const settings = await api.invoke('companion:get-settings', undefined);
      await api.invoke('companion:set-settings', { ...settings, pairingMode: next });
      onChanged();
    } catch (failure) {
      setError(messageOf(failure));
    }
  }

  return (
    <div className="field summary-field">
      <label htmlFor={`${ids}-mode`}>{t('phones.pairingMode')}</label>
      <select
        id={`${ids}-mode`}
        className="short-select"
        data-testid="pairing-mode-choice"
        aria-describedby={`${ids}-hint`}
        value={mode}
        onChange={(event) => void choose(event.target.value === 'auto' ? 'auto' : 'manual')}
      >
        <option value="auto">{t('pairingMode.auto')}</option>
        <option value="manual">{t('pairingMode.manual')}</option>
      </select>
      <p className="hint" id={`${ids}-hint`}>
        {t('phones.pairingModeChoice')}
      </p>
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </div>
  );
}

function PhoneCard({
  phone,
  pairingMode,
  onChanged,
}: {
  phone: PhoneView;
  pairingMode: CompanionView['pairingMode'];
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const [outcome, setOutcome] = useState<Result | null>(null);
  const [pending, setPending] = useState(false);
  const [dialog, setDialog] = useState<'code' | 'unpair' | null>(null);
  // After pairing or unpairing, the card's action changes under the user's focus: focus follows it to the
  // new action once the companion reports the change, or to the heading if the card goes away.
  const focusNextAction = useRef(false);
  useEffect(() => {
    if (!focusNextAction.current || pending) return;
    const next = actionButton(phone.id, phone.paired ? 'unpair' : 'pair');
    if (next !== null && !next.hasAttribute('disabled')) {
      next.focus();
      focusNextAction.current = false;
    }
  }, [phone.id, phone.paired, pending]);
  useEffect(
    () => () => {
      if (focusNextAction.current) document.getElementById('phones-heading')?.focus();
    },
    [],
  );

  async function act(run: () => Promise<Result>): Promise<Result> {
    setPending(true);
    setOutcome(null);
    try {
      const result = await run();
      setOutcome(result);
      if (result.ok) onChanged();
      return result;
    } catch (error) {
      const failed = { ok: false, message: messageOf(error) };
      setOutcome(failed);
      return failed;
    } finally {
      setPending(false);
    }
  }

  const pairOff = pairingMode === 'off';
  const vendorPhone = phone.driver !== 'btoe';
  // A paired phone whose driver cannot lock it: lock sync is not available at all, whatever the settings say.
  const noLockSync = phone.paired && !phone.capabilities.includes('lock');
  const facts = phone.deviceFacts;
  const pair = () => {
    if (phone.canAutoPair) void act(() => api.invoke('companion:pair', { device: phone.address }));
    else setDialog('code');
  };

  return (
    <li className="phone" aria-labelledby={`${ids}-name`} data-testid={`phone-${phone.id}`}>
      <h3 id={`${ids}-name`}>{phone.name}</h3>
      <p className="phone-identity">
        {/* A phone without a name of its own is called by its model: no need to say it twice. */}
        {phone.name === `${phone.vendor} ${phone.model}` ? '' : `${phone.vendor} ${phone.model} · `}
        {t('phone.firmware', { version: phone.firmware })} · {phone.address}
      </p>
      {phone.needsPairingAgain && <p className="notice">{t('phone.wasReset')}</p>}
      <dl className="phone-facts">
        <Fact term={t('phone.pairing')} state={phone.paired && !phone.needsPairingAgain ? 'good' : 'bad'}>
          {phone.needsPairingAgain
            ? t('phone.needsPairing')
            : !phone.paired
              ? t('phone.notPaired')
              : vendorPhone
                ? t('phone.added')
                : t(phone.mode === 'auto' ? 'phone.pairedAuto' : 'phone.pairedManual')}
        </Fact>
        <Fact
          term={t('phone.connection')}
          state={phone.connected ? 'good' : phone.paired ? 'bad' : undefined}
        >
          {phone.connected ? t('phone.connected') : t('phone.notConnected')}
        </Fact>
        <Fact term={t('phone.driver')}>{t(`driver.${phone.driver}`)}</Fact>
        {vendorPhone ? null : (
          <>
            <Fact term={t('phone.transport')}>{t(`transport.${phone.transport}`)}</Fact>
            <Fact term={t('phone.pcPort')}>
              {phone.onThisPcPort ? t('phone.onThisPort') : t('phone.notOnThisPort')}
            </Fact>
          </>
        )}
        <Fact term={t('phone.identity')} state={phone.verified ? undefined : 'bad'}>
          {phone.verified ? t('phone.verified') : t('phone.notVerified')}
        </Fact>
        {phone.locked !== null && (
          <Fact term={t('phone.lock')}>{phone.locked ? t('phone.locked') : t('phone.unlocked')}</Fact>
        )}
        {noLockSync ? (
          <Fact term={t('phone.lockSync')}>{t('phone.lockSyncUnavailable')}</Fact>
        ) : (
          phone.lockSync !== null && (
            <Fact term={t('phone.lockSync')} state={phone.lockSync.on ? 'good' : 'bad'}>
              {phone.lockSync.on
                ? t('phone.lockSyncOn')
                : t('phone.lockSyncOff', { reason: phone.lockSync.reason })}
            </Fact>
          )
        )}
        {facts !== null && <DeviceFacts facts={facts} firmware={phone.firmware} />}
      </dl>
      {noLockSync && (
        <p className="hint" data-testid="lock-sync-unavailable">
          {t('phone.lockSyncEnable', { driver: t(`driver.${phone.driver}`) })}
        </p>
      )}
      {phone.problem !== null && phone.paired && (
        <p className="hint">{t('phone.problem', { problem: phone.problem })}</p>
      )}
      <div className="actions">
        {phone.paired && !phone.needsPairingAgain ? (
          <button
            type="button"
            className="secondary"
            data-phone={phone.id}
            data-action="unpair"
            disabled={pending}
            onClick={() => setDialog('unpair')}
          >
            {t(vendorPhone ? 'phone.remove' : 'phone.unpair')}
          </button>
        ) : (
          <button
            type="button"
            data-phone={phone.id}
            data-action="pair"
            disabled={pending || pairOff}
            aria-describedby={pairOff ? `${ids}-off` : undefined}
            onClick={pair}
          >
            {pending
              ? t('phone.pairingNow')
              : phone.needsPairingAgain
                ? t('phone.pairAgain')
                : phone.canAutoPair
                  ? t('phone.pairAuto')
                  : t('phone.pairWithCode')}
          </button>
        )}
        {pairOff && !phone.paired && (
          <p className="hint" id={`${ids}-off`}>
            {t('phone.pairingOff')}
          </p>
        )}
      </div>
      <p role="status" className={outcome === null ? 'outcome' : `outcome ${outcome.ok ? 'ok' : 'error'}`}>
        {outcome?.message}
      </p>
      <CodeDialog
        open={dialog === 'code'}
        phone={phone}
        onClose={() => setDialog(null)}
        onPaired={(result) => {
          focusNextAction.current = true;
          setOutcome(result);
          setDialog(null);
          onChanged();
        }}
      />
      <UnpairDialog
        open={dialog === 'unpair'}
        phone={phone}
        onClose={() => setDialog(null)}
        onConfirm={() => {
          focusNextAction.current = true;
          setDialog(null);
          void act(() => api.invoke('companion:unpair', { device: phone.id }));
        }}
      />
    </li>
  );
}

function CodeDialog({
  open,
  phone,
  onClose,
  onPaired,
}: {
  open: boolean;
  phone: PhoneView;
  onClose: () => void;
  onPaired: (result: Result) => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const input = useRef<HTMLInputElement>(null);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setPending(true);
    setError(null);
    try {
      // The code goes through as typed (spaces, hyphens, any case): the companion normalises it.
      const result = await api.invoke('companion:pair', { device: phone.address, code });
      if (result.ok) {
        setCode('');
        onPaired(result);
        return;
      }
      setError(result.message);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setPending(false);
    }
    input.current?.select();
    input.current?.focus();
  }

  return (
    <Dialog
      open={open}
      labelledBy={`${ids}-title`}
      onClose={() => {
        setError(null);
        onClose();
      }}
      returnFocusTo={() => actionButton(phone.id, 'unpair') ?? actionButton(phone.id, 'pair')}
    >
      <form onSubmit={(event) => void submit(event)} className="dialog-form">
        <h2 id={`${ids}-title`}>{t('pairDialog.title', { name: phone.name })}</h2>
        <p>{t('pairDialog.howTo')}</p>
        <div className="field">
          <label htmlFor={`${ids}-code`}>{t('pairDialog.code')}</label>
          <input
            ref={input}
            id={`${ids}-code`}
            name="code"
            type="text"
            required
            data-autofocus
            maxLength={64}
            autoComplete="one-time-code"
            autoCapitalize="characters"
            spellCheck={false}
            placeholder="XXXX-XXXX"
            aria-invalid={error !== null}
            aria-describedby={`${ids}-hint${error !== null ? ` ${ids}-error` : ''}`}
            value={code}
            onChange={(event) => setCode(event.target.value)}
          />
          <p className="hint" id={`${ids}-hint`}>
            {t('pairDialog.hint')}
          </p>
          {error !== null && (
            <p className="error" id={`${ids}-error`} role="alert">
              {t('pairDialog.failed', { error })}
            </p>
          )}
        </div>
        <div className="actions">
          <button type="submit" disabled={pending}>
            {pending ? t('phone.pairingNow') : t('pairDialog.pair')}
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function UnpairDialog({
  open,
  phone,
  onClose,
  onConfirm,
}: {
  open: boolean;
  phone: PhoneView;
  onClose: () => void;
  onConfirm: () => void;
}) {
  const { t } = useTranslation();
  const ids = useId();
  // A vendor phone is removed (its password deleted), not unpaired: it never paired with this PC.
  const vendor = phone.driver !== 'btoe';
  return (
    <Dialog
      open={open}
      labelledBy={`${ids}-title`}
      onClose={onClose}
      returnFocusTo={() =>
        actionButton(phone.id, 'unpair') ??
        actionButton(phone.id, 'pair') ??
        document.getElementById('phones-heading')
      }
    >
      <div className="dialog-form">
        <h2 id={`${ids}-title`}>
          {t(vendor ? 'removeDialog.title' : 'unpairDialog.title', { name: phone.name })}
        </h2>
        <p>{t(vendor ? 'removeDialog.body' : 'unpairDialog.body')}</p>
        <div className="actions">
          <button type="button" className="danger" onClick={onConfirm}>
            {t(vendor ? 'removeDialog.confirm' : 'unpairDialog.confirm')}
          </button>
          <button type="button" className="secondary" data-autofocus onClick={onClose}>
            {t('common.cancel')}
          </button>
        </div>
      </div>
    </Dialog>
  );
}

function LookUpForm({ onFound }: { onFound: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const [address, setAddress] = useState('');
  const [outcome, setOutcome] = useState<Result | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setPending(true);
    setOutcome(null);
    try {
      const result = await api.invoke('companion:look-up', { address });
      setOutcome(result);
      if (result.ok) {
        setAddress('');
        onFound();
      }
    } catch (error) {
      setOutcome({ ok: false, message: messageOf(error) });
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="inline-form" onSubmit={(event) => void submit(event)} aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`}>{t('lookUp.title')}</h3>
      <div className="field">
        <label htmlFor={`${ids}-address`}>{t('lookUp.address')}</label>
        <div className="row">
          <input
            id={`${ids}-address`}
            type="text"
            required
            autoComplete="off"
            spellCheck={false}
            aria-describedby={`${ids}-hint`}
            aria-invalid={outcome !== null && !outcome.ok}
            value={address}
            onChange={(event) => setAddress(event.target.value)}
          />
          <button type="submit" disabled={pending}>
            {t('lookUp.find')}
          </button>
        </div>
        <p className="hint" id={`${ids}-hint`}>
          {t('lookUp.hint')}
        </p>
      </div>
      <p role="status" className={outcome === null ? 'outcome' : `outcome ${outcome.ok ? 'ok' : 'error'}`}>
        {outcome?.message}
      </p>
    </form>
  );
}

/** A vendor phone's MAC, firmware against the minimums table, and its lines' registration. */
function DeviceFacts({
  facts,
  firmware,
}: {
  facts: NonNullable<PhoneView['deviceFacts']>;
  firmware: string;
}) {
  const { t } = useTranslation();
  const check = facts.firmwareCheck;
  return (
    <>
      {check !== null && (
        <Fact term={t('phone.firmwareCheck')} state={check.ok ? 'good' : 'bad'}>
          {check.ok
            ? t('phone.firmwareOk', { version: firmware, minimum: check.minimum })
            : t('phone.firmwareOld', { version: firmware, minimum: check.minimum })}
        </Fact>
      )}
      {/* A Yealink phone tells its MAC only in its first event. */}
      {facts.mac !== '' && <Fact term={t('phone.mac')}>{facts.mac}</Fact>}
      {facts.lines.map((line) => (
        <Fact
          key={line.line}
          term={t('phone.line', { line: line.line })}
          state={line.registered ? 'good' : 'bad'}
        >
          {t(line.registered ? 'phone.lineRegistered' : 'phone.lineNotRegistered', { address: line.address })}
        </Fact>
      ))}
    </>
  );
}

export function Fact({
  term,
  state,
  children,
}: {
  term: string;
  state?: 'good' | 'bad';
  children: ReactNode;
}) {
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd className={state === undefined ? undefined : `state-${state}`}>{children}</dd>
    </div>
  );
}
