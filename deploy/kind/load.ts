/**
 * deploy/kind/load.ts: the e2e scale step's load (deploy/kind/e2e.sh). GET
 * /somedata/e2e for --seconds over 50 connections, every request stamped with
 * X-Run-Id so the store can be counted for this run alone; prints
 * {"acknowledged": <2xx answers>, "other": <the rest>} as JSON.
 *   node --import tsx deploy/kind/load.ts --url http://127.0.0.1:5000 --run-id e2e-1 --seconds 120
 */
import autocannon from 'autocannon';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { url: { type: 'string' }, 'run-id': { type: 'string' }, seconds: { type: 'string', default: '60' } },
});
const seconds = Number(values.seconds);
if (!values.url || !values['run-id'] || !Number.isInteger(seconds) || seconds < 1) {
  process.stderr.write('usage: load.ts --url URL --run-id RUN_ID [--seconds N ≥ 1]\n');
  process.exit(2);
}

void autocannon({
  url: `${values.url.replace(/\/+$/, '')}/somedata/e2e`,
  connections: 50,
  duration: seconds,
  headers: { 'x-run-id': values['run-id'] },
}).then((result) => {
  process.stdout.write(`${JSON.stringify({ acknowledged: result['2xx'], other: result.non2xx + result.errors })}\n`);
});
