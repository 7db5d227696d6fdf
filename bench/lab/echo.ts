// Environment: Node (benchmarks, run by npm run bench).
// An echo server for the PC-port lab (run inside the phone's namespace by bench/ethernet.ts): raw TCP and TLS
// ports, both echoing every byte (bench/echo-server.ts), listening on the address given as the first argument.
// stdout: {"event":"ready","tcp":PORT,"tls":PORT}. It exits when its stdin closes.
import { runEchoServer } from '../echo-server.js';

await runEchoServer({ host: process.argv[2] ?? '0.0.0.0', identityName: 'BToE lab echo', label: 'lab echo' });
