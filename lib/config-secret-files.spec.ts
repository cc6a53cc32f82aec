/**
 * Secrets read from files (Docker secrets, `.stack/redis-password`):
 * REDIS_PASSWORD_FILE puts the password into the Redis URL every client uses,
 * ADMIN_PASSWORD_FILE gives the dashboard's password.
 */
import { secretFilesFolder } from '../harness/secret-files';
import { ConfigError } from './errors';
import { loadConfig } from './config';

const secrets = secretFilesFolder('config-secret-files');
const secretFile = secrets.file;

describe('REDIS_PASSWORD_FILE', () => {
  it('puts the password, trimmed and percent-encoded, into REDIS_URL', () => {
    const file = secretFile('redis', ' p@ss:w/rd%41 \n');
    const config = loadConfig({ REDIS_URL: 'redis://redis:6379', REDIS_PASSWORD_FILE: file });
    expect(config.redis.url).toBe('redis://:p%40ss%3Aw%2Frd%2541@redis:6379');
    expect(decodeURIComponent(new URL(config.redis.url).password)).toBe('p@ss:w/rd%41');
  });

  it('keeps a user named in the URL and the database number', () => {
    const file = secretFile('redis-user', 'secret');
    expect(loadConfig({ REDIS_URL: 'rediss://app@r:6380/2', REDIS_PASSWORD_FILE: file }).redis.url).toBe(
      'rediss://app:secret@r:6380/2',
    );
  });

  it('leaves REDIS_URL as it is without the variable', () => {
    expect(loadConfig({}).redis.url).toBe('redis://127.0.0.1:6379');
    expect(loadConfig({ REDIS_URL: 'redis://:given@h:1' }).redis.url).toBe('redis://:given@h:1');
  });

  it('fails at start-up, naming the variable, when the file is missing or empty, never echoing a password', () => {
    const missing = secrets.path('nope');
    expect(() => loadConfig({ REDIS_PASSWORD_FILE: missing })).toThrow(ConfigError);
    expect(() => loadConfig({ REDIS_PASSWORD_FILE: missing })).toThrow(`REDIS_PASSWORD_FILE: cannot read ${missing}`);
    expect(() => loadConfig({ REDIS_PASSWORD_FILE: secretFile('empty', ' \n') })).toThrow(
      /REDIS_PASSWORD_FILE: .* is empty/,
    );
    const both = () =>
      loadConfig({ REDIS_URL: 'redis://:inline-secret@h:1', REDIS_PASSWORD_FILE: secretFile('both', 'file-secret') });
    expect(both).toThrow(/REDIS_PASSWORD_FILE: REDIS_URL already carries a password/);
    expect(both).not.toThrow(/inline-secret|file-secret/);
  });

  it('never echoes the password of an invalid REDIS_URL', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://:hunter2@h:1' })).toThrow('REDIS_URL: must be a Redis URL');
    expect(() => loadConfig({ REDIS_URL: 'http://:hunter2@h:1' })).not.toThrow(/hunter2/);
  });
});

describe('ADMIN_PASSWORD_FILE', () => {
  it("is the dashboard's password", () => {
    const file = secretFile('admin', 'dashboard secret\n');
    expect(loadConfig({ ADMIN_PASSWORD_FILE: file }).admin.password).toBe('dashboard secret');
  });

  it('conflicts with ADMIN_PASSWORD: one source only', () => {
    const file = secretFile('admin-both', 'a');
    expect(() => loadConfig({ ADMIN_PASSWORD: 'b', ADMIN_PASSWORD_FILE: file })).toThrow(
      /ADMIN_PASSWORD_FILE: ADMIN_PASSWORD is set too/,
    );
  });
});
