// Environment: Node (benchmarks, run by npm run bench).
// The loopback benches' echo server (bench.ts and daemon.ts spawn this file): raw TCP and TLS ports on
// 127.0.0.1, both echoing every byte (bench/echo-server.ts). stdout: {"event":"ready","tcp":PORT,"tls":PORT}.
// It exits when its stdin closes.
import { runEchoServer } from './echo-server.js';
import { LOOPBACK } from './measure.js';

await runEchoServer({ host: LOOPBACK, identityName: 'BToE bench echo', label: 'tls-echo' });
