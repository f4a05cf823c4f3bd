import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import express from 'express';

/**
 * The ceiling: express 5 parsing the same JSON body and answering 202 the way the service does, with no auth,
 * validation, database or queue behind it. What the service reaches as a fraction of this, on the same machine
 * in the same run, is the figure that travels between machines; absolute req/s do not.
 */

const app = express();
app.disable('x-powered-by');
app.set('etag', false);

app.get('/readyz', (_req, res) => {
  res.json({ status: 'ok' });
});

app.post('/v1/requests', express.json(), (_req, res) => {
  res.status(202).json({ id: randomUUID(), status: 'received' });
});

const server: Server = app.listen(Number(process.env['PORT'] ?? 0), (err?: Error) => {
  if (err) {
    process.stderr.write(`bare-server: ${err.message}\n`);
    process.exit(1);
  }
});
// Same keep-alive as the service, so neither side closes connections under autocannon.
server.keepAliveTimeout = 65_000;

process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
