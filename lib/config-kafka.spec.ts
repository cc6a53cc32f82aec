/**
 * KAFKA_SECURITY_PROTOCOL and the settings it brings (lib/config-kafka.ts):
 * plaintext by default; SASL_SSL needs a user and a password file; a CA file
 * must hold real certificates; a password never shows in an error.
 */
import { secretFilesFolder } from '../harness/secret-files';
import { ConfigError } from './errors';
import { loadConfig } from './config';

/** A self-signed certificate (public, no key): what a CA bundle holds. */
const CA_PEM = `-----BEGIN CERTIFICATE-----
MIIBmTCCAT6gAwIBAgITUC5gYCsX20C5xfbPYbpzWWwGbzAKBggqhkjOPQQDAjAh
MR8wHQYDVQQDDBZrYWZrYS1waXBlbGluZSB0ZXN0IENBMCAXDTI2MTIwNzA2MTEy
MVoYDzIxMjYxMTEzMDYxMTIxWjAhMR8wHQYDVQQDDBZrYWZrYS1waXBlbGluZSB0
ZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEnWucRdrX8428IDoFEGPE
jdi3l2Mi07CezH39aylCEL8nbLdzRNC/bth55cohlhOWJNE1DBkqIecKVcvsCeQj
JaNTMFEwHQYDVR0OBBYEFAFFPtUfXis3MsMnIIpBCvma3zbAMB8GA1UdIwQYMBaA
FAFFPtUfXis3MsMnIIpBCvma3zbAMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0E
AwIDSQAwRgIhAJOdwYRTXVCacowNiLW93FRLCO3J24AckJQBZjFL8bOjAiEA1uBf
txT7WAv/jJqBLAqBy0IzBesmmekj6XhBLzc2DbA=
-----END CERTIFICATE-----
`;

const secrets = secretFilesFolder('config-kafka');
const file = secrets.file;

const secured = (extra: Record<string, string> = {}) => ({
  KAFKA_SECURITY_PROTOCOL: 'SASL_SSL',
  KAFKA_SASL_USERNAME: 'kafka-pipeline-api',
  KAFKA_SASL_PASSWORD_FILE: file('password', ' s3cret-pass \n'),
  ...extra,
});

describe('config.kafka.security', () => {
  it('is plaintext when nothing is set', () => {
    expect(loadConfig({}).kafka.security).toEqual({ protocol: 'PLAINTEXT' });
  });

  it('with SASL_SSL: SCRAM-SHA-512, the user, the password read from its file (trimmed), the system CAs', () => {
    expect(loadConfig(secured()).kafka.security).toEqual({
      protocol: 'SASL_SSL',
      sasl: { mechanism: 'scram-sha-512', username: 'kafka-pipeline-api', password: 's3cret-pass' },
      ssl: {},
    });
  });

  it('takes SCRAM-SHA-256 in either case, and nothing else', () => {
    for (const spelling of ['SCRAM-SHA-256', 'scram-sha-256']) {
      const security = loadConfig(secured({ KAFKA_SASL_MECHANISM: spelling })).kafka.security;
      expect(security.protocol === 'SASL_SSL' && security.sasl.mechanism).toBe('scram-sha-256');
    }
    for (const bad of ['PLAIN', 'GSSAPI', 'scram-sha-1'])
      expect(() => loadConfig(secured({ KAFKA_SASL_MECHANISM: bad }))).toThrow(
        /KAFKA_SASL_MECHANISM: must be SCRAM-SHA-512 or SCRAM-SHA-256/,
      );
    expect(() => loadConfig({ KAFKA_SECURITY_PROTOCOL: 'SSL' })).toThrow(
      /KAFKA_SECURITY_PROTOCOL: must be PLAINTEXT or SASL_SSL/,
    );
  });

  it('keeps the CA bundle as PEM text and its path', () => {
    const caFile = file('ca.crt', `# the local stack's CA\n${CA_PEM}${CA_PEM}`);
    const security = loadConfig(secured({ KAFKA_SSL_CA_FILE: caFile })).kafka.security;
    expect(security.protocol === 'SASL_SSL' && security.ssl).toEqual({ ca: `${CA_PEM}${CA_PEM}`, caFile });
  });

  it('requires the user and the password file with SASL_SSL, naming each', () => {
    const attempt = () => loadConfig({ KAFKA_SECURITY_PROTOCOL: 'SASL_SSL' });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/KAFKA_SASL_USERNAME: required with KAFKA_SECURITY_PROTOCOL=SASL_SSL/);
    expect(attempt).toThrow(/KAFKA_SASL_PASSWORD_FILE: required with KAFKA_SECURITY_PROTOCOL=SASL_SSL/);
  });

  it('refuses a SASL or TLS setting under PLAINTEXT rather than talk in clear', () => {
    for (const name of [
      'KAFKA_SASL_MECHANISM',
      'KAFKA_SASL_USERNAME',
      'KAFKA_SASL_PASSWORD_FILE',
      'KAFKA_SSL_CA_FILE',
    ]) {
      expect(() => loadConfig({ [name]: name === 'KAFKA_SASL_MECHANISM' ? 'SCRAM-SHA-512' : 'x' })).toThrow(
        new RegExp(`${name}: set only with KAFKA_SECURITY_PROTOCOL=SASL_SSL`),
      );
    }
  });

  it('fails on a missing or empty password file, never echoing the password', () => {
    const missing = secrets.path('nope');
    expect(() => loadConfig(secured({ KAFKA_SASL_PASSWORD_FILE: missing }))).toThrow(
      `KAFKA_SASL_PASSWORD_FILE: cannot read ${missing} (ENOENT)`,
    );
    expect(() => loadConfig(secured({ KAFKA_SASL_PASSWORD_FILE: file('empty', '\n') }))).toThrow(
      /KAFKA_SASL_PASSWORD_FILE: .* is empty/,
    );
    const badUser = () => loadConfig(secured({ KAFKA_SASL_USERNAME: 'two words' }));
    expect(badUser).toThrow(/KAFKA_SASL_USERNAME: must be a user name/);
    expect(badUser).not.toThrow(/s3cret-pass/);
  });

  it.each([
    ['unreadable', () => secrets.path('no-ca.crt'), /KAFKA_SSL_CA_FILE: cannot read .*no-ca\.crt \(ENOENT\)/],
    ['not PEM', () => file('der.crt', 'MIIBmTCCAT6gAwIBAgIT'), /KAFKA_SSL_CA_FILE: .* holds no PEM certificate/],
    [
      'a private key',
      () => file('key.pem', '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n'),
      /holds no PEM certificate/,
    ],
    [
      'a corrupted certificate',
      () => file('bad.crt', CA_PEM.replace(/MIIB[A-Za-z0-9]{8}/, 'MIIBAAAAAAAA')),
      /KAFKA_SSL_CA_FILE: certificate 1 in .* is not a valid X\.509 certificate/,
    ],
    ['1 MiB and more', () => file('huge.crt', CA_PEM.repeat(2_000)), /KAFKA_SSL_CA_FILE: .* is over 1 MiB/],
  ])('refuses a CA file that is %s, naming the variable', (_what, path, message) => {
    expect(() => loadConfig(secured({ KAFKA_SSL_CA_FILE: path() }))).toThrow(message);
  });
});
