import { ConfigError } from '../../lib/errors';
import { basicAuth, parseBasicAuth, safeEqual } from './basic-auth';

const header = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

function call(handler: ReturnType<typeof basicAuth>, authorization?: string) {
  const res = {
    statusCode: 200,
    headers: {} as Record<string, string>,
    body: undefined as unknown,
    setHeader(name: string, value: string) {
      this.headers[name.toLowerCase()] = value;
    },
    status(code: number) {
      this.statusCode = code;
      return this;
    },
    json(body: unknown) {
      this.body = body;
    },
  };
  let passed = false;
  handler({ headers: { authorization } } as never, res as never, () => {
    passed = true;
  });
  return { passed, res };
}

describe('basicAuth', () => {
  const handler = basicAuth({ user: 'admin', password: 's3cret:with:colons' });

  it('lets the right user and password through', () => {
    expect(call(handler, header('admin', 's3cret:with:colons')).passed).toBe(true);
  });

  it.each([
    ['no header', undefined],
    ['a wrong password', header('admin', 'nope')],
    ['a wrong user', header('root', 's3cret:with:colons')],
    ['another scheme', 'Bearer abc'],
    ['garbage', 'Basic !!!'],
  ])('answers 401 with a challenge for %s', (_, authorization) => {
    const { passed, res } = call(handler, authorization);
    expect(passed).toBe(false);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Basic realm="kafka-pipeline admin"/);
    expect(res.body).toEqual({ error: { code: 'unauthorized', message: expect.any(String) } });
  });

  it('refuses to exist without a password, naming ADMIN_PASSWORD', () => {
    expect(() => basicAuth({ user: 'admin', password: undefined })).toThrow(ConfigError);
    expect(() => basicAuth({ user: 'admin', password: '' })).toThrow(/ADMIN_PASSWORD/);
  });
});

describe('parseBasicAuth and safeEqual', () => {
  it('splits at the first colon only', () => {
    expect(parseBasicAuth(header('u', 'a:b'))).toEqual({ user: 'u', password: 'a:b' });
  });

  it('compares strings of any length', () => {
    expect(safeEqual('a', 'a')).toBe(true);
    expect(safeEqual('a', 'ab')).toBe(false);
    expect(safeEqual('', 'x')).toBe(false);
  });
});
