// Environment: DOM (renderer). One card per phone: pairing, connection, where it is plugged in, its mode.
import { useId } from 'react';
import type { PhoneView } from '../contract/window.js';

export function PhoneList({ phones }: { phones: readonly PhoneView[] }) {
  if (phones.length === 0) {
    return (
      <p>
        No phone found. Connect this PC to the phone&apos;s PC port, or pair with a phone on the network
        below.
      </p>
    );
  }
  return (
    <ul className="phones">
      {phones.map((phone) => (
        <PhoneCard key={phone.id} phone={phone} />
      ))}
    </ul>
  );
}

function PhoneCard({ phone }: { phone: PhoneView }) {
  const nameId = useId();
  return (
    <li className="phone" aria-labelledby={nameId}>
      <h3 id={nameId}>{phone.name}</h3>
      <p className="phone-identity">
        {phone.vendor} {phone.model} · firmware {phone.firmware} · {phone.address}
      </p>
      <dl className="phone-facts">
        <Fact term="Pairing" state={phone.paired ? 'good' : 'bad'}>
          {phone.paired ? 'Paired' : 'Not paired'}
        </Fact>
        <Fact term="Connection" state={phone.connected ? 'good' : 'bad'}>
          {phone.connected ? 'Connected' : 'Not connected'}
        </Fact>
        <Fact term="Ethernet">{phone.onThisPcPort ? 'On this PC’s port' : 'Not on this PC’s port'}</Fact>
        <Fact term="Mode">
          {phone.mode === 'auto' ? 'Auto' : phone.mode === 'manual' ? 'Manual' : 'Unknown'}
        </Fact>
        {phone.locked !== null && <Fact term="Phone lock">{phone.locked ? 'Locked' : 'Unlocked'}</Fact>}
      </dl>
    </li>
  );
}

function Fact({ term, state, children }: { term: string; state?: 'good' | 'bad'; children: string }) {
  return (
    <div className="fact">
      <dt>{term}</dt>
      <dd className={state === undefined ? undefined : `state-${state}`}>{children}</dd>
    </div>
  );
}
