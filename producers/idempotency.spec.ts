import fc from 'fast-check';
import { loadConfig } from '../lib/config';
import { ConfigError, ValidationError } from '../lib/errors';
import { createLogger } from '../lib/logger';
import { createIdempotency, fingerprintOf, parseIdempotencyKey } from './idempotency';

describe('parseIdempotencyKey', () => {
  it('takes a bare key or the draft’s quoted string, and nothing when the header is absent', () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(parseIdempotencyKey('"8e03978e-40d5-43e8-bc93-6894a57f9324"')).toBe('8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(parseIdempotencyKey('01JDQ8Z6Y3K6W1QF7S0M2N4P5R')).toBe('01JDQ8Z6Y3K6W1QF7S0M2N4P5R');
    expect(parseIdempotencyKey('a+b/c=d_e.f:g~h')).toBe('a+b/c=d_e.f:g~h');
  });

  it('refuses a key too short, too long, with other characters, or given twice, naming the header', () => {
    for (const bad of [
      '',
      'short',
      'x'.repeat(256),
      'has space inside',
      'one-key-here, two-key-here',
      '"unterminated',
      '"with\\"escape"',
      'accentué-key',
      'brace{key}here',
      'nul\u0000inside-key',
    ])
      expect(() => parseIdempotencyKey(bad)).toThrow(ValidationError);
    expect(() => parseIdempotencyKey(['first-key-1', 'second-key-2'])).toThrow(/idempotency-key: must be 8 to 255/);
  });

  it('accepts exactly the documented alphabet and lengths (property)', () => {
    const allowed = fc.constantFrom(...'abcXYZ0189-_.:~+/=');
    fc.assert(
      fc.property(fc.array(allowed, { minLength: 8, maxLength: 255 }), (chars) => {
        expect(parseIdempotencyKey(chars.join(''))).toBe(chars.join(''));
      }),
    );
    fc.assert(
      fc.property(fc.string({ minLength: 8, maxLength: 64 }), (text) => {
        const ok = /^[A-Za-z0-9_.:~+/=-]{8,255}$/.test(text);
        if (ok) expect(parseIdempotencyKey(text)).toBe(text);
        else if (!/^"[A-Za-z0-9_.:~+/=-]{8,255}"$/.test(text)) expect(() => parseIdempotencyKey(text)).toThrow();
      }),
    );
  });
});

describe('fingerprintOf', () => {
  it('is the same for the same request and differs when any part differs', () => {
    const base = ['GET', '/somedata/car', 'car', 2, { source: 'api', runId: null }];
    expect(fingerprintOf(base)).toBe(fingerprintOf([...base]));
    expect(fingerprintOf(base)).toMatch(/^[0-9a-f]{64}$/);
    for (const other of [
      ['POST', '/somedata/car', 'car', 2, { source: 'api', runId: null }],
      ['GET', '/somedata/bus', 'car', 2, { source: 'api', runId: null }],
      ['GET', '/somedata/car', 'car', 3, { source: 'api', runId: null }],
      ['GET', '/somedata/car', 'car', 2, { source: 'api', runId: 'run-1' }],
    ])
      expect(fingerprintOf(other)).not.toBe(fingerprintOf(base));
  });
});

describe("createIdempotency's options", () => {
  it('are merged over the config and checked before a client exists: a ConfigError names the setting', () => {
    const create = () =>
      createIdempotency(loadConfig({}), createLogger({ service: 'test', level: 'silent' }), { timeoutMs: 0 });
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(/timeoutMs must be an integer >= 1 \(got 0\)/);
  });
});
