// Environment: Node (benchmarks, run by npm run bench).
// The serial benchmark's echo process: opens one end of a pty pair (a serial port, like the simulator does) and
// echoes every byte back. stdout: one line, {"event":"ready"}. It exits when its stdin closes, so it cannot
// outlive the benchmark that started it.
import { openSerialPort } from '../native-bridge/usb/serial-transport.js';

const path = process.argv[2];
if (!path) {
  process.stderr.write('usage: serial-echo PATH\n');
  process.exit(2);
}
const port = await openSerialPort(path);
port.stream.on('data', (chunk: Buffer) => port.stream.write(chunk));
port.stream.on('error', (error: Error) => {
  process.stderr.write(`serial-echo: ${error.message}\n`);
  process.exit(1);
});
process.stdout.write(`${JSON.stringify({ event: 'ready' })}\n`);
const quit = () => {
  port.close();
  setTimeout(() => process.exit(0), 50).unref();
};
process.stdin.on('end', quit);
process.stdin.on('error', quit);
process.stdin.resume();
