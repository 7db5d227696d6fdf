// Environment: Node (main process, OS adapters).
// What @homebridge/dbus-native gets for `require('xml2js')` in the btoe bundle (scripts/bundle-cli.ts): it loads
// xml2js (with sax and xmlbuilder, about 7 MB resident) when it starts, yet only parses XML to introspect a
// remote object, which the companion never does. The real xml2js is loaded on first use.
import { createRequire } from 'node:module';

type Xml2js = { Parser: new (...args: unknown[]) => unknown };

export class Parser {
  constructor(...args: unknown[]) {
    const xml2js = createRequire(import.meta.url)('xml2js') as Xml2js;
    return new xml2js.Parser(...args) as Parser;
  }
}
