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
    log.info({ config: { football: { token: 'T0K3N' }, admin: { password: 'P4SS' } } }, 'config');
    log.info({ upstream: { headers: { authorization: 'Bearer x', 'x-auth-token': 'T0K3N' } } }, 'upstream');
    log.info({ config: { kafka: { security: { sasl: { username: 'u', password: 'P4SS' } } } } }, 'kafka');
    log.info({ security: { sasl: { password: 'P4SS' } } }, 'kafka');
    const text = lines.join('');
    expect(text).not.toMatch(/T0K3N|P4SS|c2VjcmV0|Bearer x/);
    expect(text).toContain('[redacted]');
  });

  it('writes URLs with their credentials redacted, wherever they are in the context or an error', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'workers', destination });
    log.info({ url: 'redis://:R3D1S-PW@redis:6379/0', redisUrl: 'rediss://default:R3D1S-PW@cache:6380' }, 'urls');
    log.info(
      { config: { redis: { url: 'redis://:R3D1S-PW@h:1' }, mongo: { url: 'mongodb://app:M0NG0-PW@m/x' } } },
      'c',
    );
    log.error({ err: new Error('cannot reach redis://:R3D1S-PW@h:1 (ECONNREFUSED)') }, 'failed');
    log.warn({ reason: 'mongodb://app:M0NG0-PW@m:27017 is not answering' }, 'free text');
    const text = lines.join('');
    expect(text).not.toMatch(/R3D1S-PW|M0NG0-PW/);
    expect(text).toContain('redis://:[redacted]@redis:6379/0');
    expect(text).toContain('mongodb://app:[redacted]@m/x');
    expect(JSON.parse(lines[2]!).err.message).toBe('cannot reach redis://:[redacted]@h:1 (ECONNREFUSED)');
  });
});
