// Environment: DOM (renderer). Pairs with a phone by name, ID or address, with the code the phone shows.
import { useId, useState, type FormEvent } from 'react';
import type { PairResult, PhoneView } from '../contract/window.js';
import { messageOf, useApi } from './api-context.js';

export function PairForm({ phones, onPaired }: { phones: readonly PhoneView[]; onPaired?: () => void }) {
  const api = useApi();
  const ids = useId();
  const [device, setDevice] = useState('');
  const [code, setCode] = useState('');
  const [pending, setPending] = useState(false);
  const [outcome, setOutcome] = useState<PairResult | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    setPending(true);
    setOutcome(null);
    try {
      // The code goes through as typed (spaces, hyphens, any case): the companion normalises it.
      const result = await api.pair(code.trim() === '' ? { device } : { device, code });
      setOutcome(result);
      if (result.ok) {
        setCode('');
        onPaired?.();
      }
    } catch (error) {
      setOutcome({ ok: false, message: messageOf(error) });
    } finally {
      setPending(false);
    }
  }

  return (
    <form className="pair-form" onSubmit={(event) => void submit(event)}>
      <div className="field">
        <label htmlFor={`${ids}-device`}>Phone</label>
        <input
          id={`${ids}-device`}
          name="device"
          type="text"
          required
          autoComplete="off"
          spellCheck={false}
          list={`${ids}-phones`}
          aria-describedby={`${ids}-device-hint`}
          value={device}
          onChange={(event) => setDevice(event.target.value)}
        />
        <datalist id={`${ids}-phones`}>
          {phones.map((phone) => (
            <option key={phone.id} value={phone.id}>
              {phone.name}
            </option>
          ))}
        </datalist>
        <p className="hint" id={`${ids}-device-hint`}>
          The phone&apos;s name, ID or IP address.
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${ids}-code`}>Pairing code</label>
        <input
          id={`${ids}-code`}
          name="code"
          type="text"
          autoComplete="one-time-code"
          autoCapitalize="characters"
          spellCheck={false}
          aria-describedby={`${ids}-code-hint`}
          value={code}
          onChange={(event) => setCode(event.target.value)}
        />
        <p className="hint" id={`${ids}-code-hint`}>
          The code the phone shows, if it shows one. Type it as you see it: spaces, hyphens and upper or lower
          case are all fine.
        </p>
      </div>
      <button type="submit" disabled={pending}>
        {pending ? 'Pairing…' : 'Pair with Phone'}
      </button>
      <p role="status" className={outcome === null ? 'outcome' : `outcome ${outcome.ok ? 'ok' : 'error'}`}>
        {outcome?.message}
      </p>
    </form>
  );
}
