/**
 * The baseline of bench/api-vs-bare.ts: a bare Express route that answers the
 * seed's payload for `GET /somedata/:data?number=N` and publishes nothing.
 */
import express from 'express';
import { somedataItems } from '../lib/schemas';

const app = express();
app.get('/somedata/:data', (req, res) => {
  res.json(somedataItems(req.params.data, Number(req.query.number ?? 1)));
});
const port = Number(process.env.BARE_PORT ?? 5999);
app.listen(port, '127.0.0.1', () => process.stdout.write(`bare server on ${port}\n`));
process.on('SIGTERM', () => process.exit(0));
