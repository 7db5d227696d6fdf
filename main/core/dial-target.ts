/**
 * What `btoe dial` accepts: tel:, callto:, sip:/sips: URIs and bare numbers, reduced to the digits the phone
 * dials. Deliberately strict: anything it cannot read as a phone number is refused with a reason, never passed
 * on. (The click-to-call issue extends this to full RFC 3966 and E.164 normalisation.)
 */
export class DialTargetError extends Error {
  override readonly name = 'DialTargetError';
}

const VISUAL_SEPARATORS = /[\s\-.()/]/g;

export function dialableNumber(input: string): string {
  const text = input.trim();
  if (text.length === 0 || text.length > 256)
    throw new DialTargetError('give a phone number or a tel:, callto: or sip: address');
  let number = text;
  const scheme = /^([a-z][a-z0-9+.-]*):(.*)$/i.exec(text);
  if (scheme) {
    const [, name = '', rest = ''] = scheme;
    switch (name.toLowerCase()) {
      case 'tel':
        number = rest.split(';')[0] ?? '';
        break;
      case 'callto':
        number = rest.replace(/^\/\//, '');
        break;
      case 'sip':
      case 'sips': {
        const at = rest.indexOf('@');
        if (at < 0) throw new DialTargetError(`"${printable(text)}" has no user part to dial`);
        number = rest.slice(0, at);
        break;
      }
      default:
        throw new DialTargetError(
          `"${printable(name)}:" addresses cannot be dialled; use tel:, callto: or sip:`,
        );
    }
    try {
      number = decodeURIComponent(number);
    } catch {
      throw new DialTargetError(`"${printable(text)}" has broken percent-encoding`);
    }
  }
  const digits = number.replace(VISUAL_SEPARATORS, '');
  if (!/^\+?[0-9*#]{1,32}$/.test(digits)) {
    throw new DialTargetError(
      `"${printable(text)}" is not a phone number: use digits, an optional leading + and separators`,
    );
  }
  return digits;
}

function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 60 ? `${clean.slice(0, 57)}...` : clean;
}
