// Environment: any (plain TypeScript). A tiny, hardened XML reader for the telephony notifications Poly phones
// POST: elements, attributes, text. The documents are small and flat, so the reader stays ~100 lines rather than
// pulling a general parser in. Anything beyond that subset is refused, never interpreted: no DTD (so no entity
// expansion, no external entities), no named entities besides the five XML defines, bounded size, depth and count.
import { VendorEventError } from '../vendor-phone.js';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (character data and CDATA directly inside it), entities decoded, untrimmed. */
  text: string;
}

export const XML_LIMITS = { bytes: 64 * 1024, depth: 16, elements: 2000, attributes: 32 } as const;

const NAME = /^[A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?/;
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Parses one document; throws VendorEventError (only) saying what is wrong. */
export function parseXml(source: string): XmlElement {
  if (source.length > XML_LIMITS.bytes) fail(`larger than ${XML_LIMITS.bytes} bytes`);
  let at = 0;
  let elements = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const skipMisc = () => {
    for (;;) {
      while (at < source.length && /\s/.test(source[at]!)) at++;
      if (source.startsWith('<?', at)) at = after('?>', 'an unterminated <?…?>');
      else if (source.startsWith('<!--', at)) at = after('-->', 'an unterminated comment');
      else return;
    }
  };
  const after = (end: string, what: string) => {
    const i = source.indexOf(end, at);
    if (i < 0) fail(what);
    return i + end.length;
  };

  skipMisc();
  while (at < source.length) {
    if (source.startsWith('<!--', at)) {
      at = after('-->', 'an unterminated comment');
    } else if (source.startsWith('<![CDATA[', at)) {
      const end = source.indexOf(']]>', at);
      if (end < 0 || stack.length === 0) fail('CDATA outside an element or unterminated');
      stack[stack.length - 1]!.text += source.slice(at + 9, end);
      at = end + 3;
    } else if (source.startsWith('<!', at)) {
      fail('a DTD or declaration (<!…), which is not accepted');
    } else if (source.startsWith('<?', at)) {
      at = after('?>', 'an unterminated <?…?>');
    } else if (source.startsWith('</', at)) {
      const name = NAME.exec(source.slice(at + 2, at + 2 + 256))?.[0];
      const open = stack.pop();
      if (name === undefined || open === undefined || open.name !== name)
        fail('a closing tag that does not match');
      at += 2 + name.length;
      while (/\s/.test(source[at] ?? '')) at++;
      if (source[at] !== '>') fail(`a malformed closing tag </${name}`);
      at++;
      if (stack.length === 0) {
        root = open;
        skipMisc();
        if (at < source.length) fail('content after the root element');
      }
    } else if (source[at] === '<') {
      if (root !== undefined) fail('a second root element');
      const name = NAME.exec(source.slice(at + 1, at + 1 + 256))?.[0];
      if (name === undefined) fail('a malformed tag');
      if (++elements > XML_LIMITS.elements) fail(`more than ${XML_LIMITS.elements} elements`);
      if (stack.length >= XML_LIMITS.depth) fail(`nested deeper than ${XML_LIMITS.depth}`);
      at += 1 + name.length;
      const element: XmlElement = {
        name,
        attributes: Object.create(null) as Record<string, string>,
        children: [],
        text: '',
      };
      let count = 0;
      for (;;) {
        const space = /^\s*/.exec(source.slice(at, at + 1024))![0].length;
        at += space;
        if (source.startsWith('/>', at) || source[at] === '>') break;
        if (space === 0) fail(`a malformed tag <${name}`);
        const attribute = /^([A-Za-z_][\w.:-]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/.exec(
          source.slice(at, at + 4096),
        );
        if (attribute === null) fail(`a malformed attribute in <${name}>`);
        if (++count > XML_LIMITS.attributes) fail(`more than ${XML_LIMITS.attributes} attributes`);
        if (attribute[1]! in element.attributes) fail(`a repeated attribute in <${name}>`);
        element.attributes[attribute[1]!] = decode(attribute[3] ?? attribute[4]!);
        at += attribute[0].length;
      }
      stack[stack.length - 1]?.children.push(element);
      if (source.startsWith('/>', at)) {
        at += 2;
        if (stack.length === 0) {
          root = element;
          skipMisc();
          if (at < source.length) fail('content after the root element');
        }
      } else {
        at++;
        stack.push(element);
      }
    } else {
      const end = source.indexOf('<', at);
      const text = source.slice(at, end < 0 ? source.length : end);
      if (stack.length === 0) fail('text outside the root element');
      stack[stack.length - 1]!.text += decode(text);
      at += text.length;
    }
  }
  if (root === undefined || stack.length > 0) fail('an incomplete document');
  return root;
}

function decode(text: string): string {
  return text.replace(/&([^;&\s]{0,10});?/g, (match, entity: string) => {
    if (!match.endsWith(';')) fail('a bare & in text');
    const numeric = /^#(x[0-9a-fA-F]{1,6}|[0-9]{1,7})$/.exec(entity);
    if (numeric) {
      const code = numeric[1]![0] === 'x' ? parseInt(numeric[1]!.slice(1), 16) : Number(numeric[1]);
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) fail('a character reference out of range');
      return String.fromCodePoint(code);
    }
    const value = PREDEFINED[entity];
    if (value === undefined) fail('an entity XML does not define (no DTD is read)');
    return value;
  });
}

function fail(what: string): never {
  throw new VendorEventError(`the notification is not acceptable XML: ${what}`);
}

/** The first child named `name`. */
export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

/** The trimmed text of the first child named `name`, or undefined. */
export function childText(element: XmlElement, name: string): string | undefined {
  const found = child(element, name);
  return found === undefined ? undefined : found.text.trim();
}
