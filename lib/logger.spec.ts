import { Writable } from 'node:stream';
import { createLogger } from './logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes a fixed message with structured context and the service name', () => {
    const { lines, destination } = capture();
    createLogger({ service: 'api', destination }).info({ topic: 'somedata', partition: 2 }, 'batch written');
    const line = JSON.parse(lines[0]!);
    expect(line).toMatchObject({ service: 'api', msg: 'batch written', topic: 'somedata', partition: 2 });
  });

  it('never writes tokens, passwords or authorization headers', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'api', destination });
    log.info(
      { token: 'T0K3N', req: { headers: { authorization: 'Basic c2VjcmV0', 'x-auth-token': 'T0K3N' } } },
      'call',
    );
    log.info({ config: { football: { token: 'T0K3N' }, workers: { adminPassword: 'P4SS' } } }, 'config');
    log.info({ upstream: { headers: { authorization: 'Bearer x', 'x-auth-token': 'T0K3N' } } }, 'upstream');
    const text = lines.join('');
    expect(text).not.toMatch(/T0K3N|P4SS|c2VjcmV0|Bearer x/);
    expect(text).toContain('[redacted]');
  });
});
