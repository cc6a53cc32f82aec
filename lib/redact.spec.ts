import fc from 'fast-check';
import { redactUrl, redactUrlsDeep } from './redact';

describe('redactUrl', () => {
  it('hides the password of a URL and keeps the rest', () => {
    expect(redactUrl('redis://:s3cret@redis:6379/0')).toBe('redis://:[redacted]@redis:6379/0');
    expect(redactUrl('rediss://default:s3cret@cache:6380')).toBe('rediss://default:[redacted]@cache:6380');
    expect(redactUrl('mongodb://app:s3cret@mongo:27017/?authSource=pipeline')).toBe(
      'mongodb://app:[redacted]@mongo:27017/?authSource=pipeline',
    );
    expect(redactUrl('mongodb+srv://app:s3cret@cluster.example.net/db')).toBe(
      'mongodb+srv://app:[redacted]@cluster.example.net/db',
    );
  });

  it('leaves URLs without a password as they are', () => {
    for (const url of ['redis://127.0.0.1:6379', 'mongodb://app@mongo:27017/?authSource=x', 'http://api:5000/x?a=b'])
      expect(redactUrl(url)).toBe(url);
  });

  it('hides a password holding an unencoded @ whole, and secret query parameters', () => {
    expect(redactUrl('redis://:p@ss@word@host:6379')).toBe('redis://:[redacted]@host:6379');
    expect(redactUrl('redis://host:6379/?password=s3cret&db=1')).toBe('redis://host:6379/?password=[redacted]&db=1');
    expect(redactUrl('https://x/?access_token=abc')).toBe('https://x/?access_token=[redacted]');
  });

  it('finds URLs inside text and JSON without eating what follows', () => {
    expect(redactUrl('cannot reach redis://u:p@h:1 (ECONNREFUSED)')).toBe(
      'cannot reach redis://u:[redacted]@h:1 (ECONNREFUSED)',
    );
    expect(redactUrl(JSON.stringify({ a: 'redis://:pw@h', b: 'x@y' }))).toBe(
      JSON.stringify({ a: 'redis://:[redacted]@h', b: 'x@y' }),
    );
  });

  it('never lets a password through, whatever it holds (property)', () => {
    const passwordChar = fc.constantFrom(...'abcXYZ019-._~!$&()*+,;=:@%');
    fc.assert(
      fc.property(
        fc.constantFrom('redis', 'rediss', 'mongodb', 'http'),
        fc.constantFrom('', 'user', 'default'),
        fc.array(passwordChar, { minLength: 8, maxLength: 64 }).map((chars) => `Q${chars.join('')}Q`),
        fc.constantFrom('', '/0', '/?db=1', '#x', ' and more text'),
        (scheme, user, password, tail) => {
          const url = `${scheme}://${user}:${password}@host.example:6379${tail}`;
          const redacted = redactUrl(url);
          expect(redacted).not.toContain(password);
          expect(redacted).toBe(`${scheme}://${user}:[redacted]@host.example:6379${tail}`);
        },
      ),
    );
  });
});

describe('redactUrlsDeep', () => {
  it('redacts strings at any depth and returns the same object when there is nothing to hide', () => {
    const clean = { a: 1, b: ['redis://h:1', { c: 'text' }] };
    expect(redactUrlsDeep(clean)).toBe(clean);
    const dirty = { a: 1, b: ['redis://:pw@h:1', { c: 'mongodb://u:pw@m' }], d: new Date(0) };
    const out = redactUrlsDeep(dirty);
    expect(out).toEqual({ a: 1, b: ['redis://:[redacted]@h:1', { c: 'mongodb://u:[redacted]@m' }], d: new Date(0) });
    expect(dirty.b[0]).toBe('redis://:pw@h:1'); // the input is not changed
  });

  it('stops at a bounded depth (10,000 levels deep is no stack overflow)', () => {
    let deep: Record<string, unknown> = { url: 'redis://:pw@h' };
    for (let i = 0; i < 10_000; i++) deep = { next: deep };
    expect(() => redactUrlsDeep(deep)).not.toThrow();
  });
});
