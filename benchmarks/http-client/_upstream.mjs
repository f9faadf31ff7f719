// One loopback upstream for the http-client benchmark, in its own process: answers "ok" (keep-alive) after
// `delayMs` (0 = at once). The parent sets the delay over IPC ({ delayMs }) and reads the port from the first
// IPC message ({ port }).
import { createServer } from 'node:http';

let delayMs = Number(process.env.DELAY_MS ?? 0);
const body = Buffer.from('ok');
const server = createServer((req, res) => {
  req.resume();
  if (delayMs === 0) {
    res.end(body);
    return;
  }
  setTimeout(() => res.end(body), delayMs);
});
server.keepAliveTimeout = 60_000;
process.on('message', (m) => {
  if (typeof m?.delayMs === 'number') {
    delayMs = m.delayMs;
    process.send?.({ ack: true });
  }
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
