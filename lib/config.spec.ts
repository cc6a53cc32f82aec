import { ConfigError } from './errors';
import { ENV_VARIABLES, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives the single-machine defaults when nothing is set', () => {
    const config = loadConfig({});
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(config.kafka.topics).toEqual({ somedata: 'somedata', footdata: 'footdata', dlq: 'pipeline.dlq' });
    expect(config.mongo).toEqual({ url: 'mongodb://127.0.0.1:27017', db: 'pipeline', operationTimeoutMs: 10_000 });
    expect(config.api.port).toBe(5000);
    expect(config.consumer.port).toBe(1111);
    expect(config.admin.port).toBe(3000);
    expect(config.football.token).toBeUndefined();
  });

  it('says where the admin server is reached: ADMIN_URL, else 127.0.0.1 on ADMIN_PORT', () => {
    expect(loadConfig({ ADMIN_PORT: '3100' }).admin.url).toBe('http://127.0.0.1:3100');
    expect(loadConfig({ ADMIN_URL: 'http://kafka-pipeline-admin:3000/' }).admin.url).toBe(
      'http://kafka-pipeline-admin:3000',
    );
    expect(() => loadConfig({ ADMIN_URL: 'kafka-pipeline-admin:3000' })).toThrow(/ADMIN_URL: must be an http\(s\) URL/);
  });

  it('parses lists and numbers from strings', () => {
    const config = loadConfig({ KAFKA_BROKERS: ' a:1 , b:2 ', API_PORT: '8000', FILTER_FOOT_AREAS: 'FRA,ESP' });
    expect(config.kafka.brokers).toEqual(['a:1', 'b:2']);
    expect(config.api.port).toBe(8000);
    expect(config.consumer.filter.areas).toEqual(['FRA', 'ESP']);
  });

  it("bounds the consumer's session timeout where the group membership stays safe", () => {
    expect(loadConfig({}).consumer).toMatchObject({ sessionTimeoutMs: 30_000, concurrency: 3 });
    expect(loadConfig({ CONSUMER_SESSION_TIMEOUT_MS: '10000' }).consumer.sessionTimeoutMs).toBe(10_000);
    expect(() => loadConfig({ CONSUMER_SESSION_TIMEOUT_MS: '6000' })).toThrow(/CONSUMER_SESSION_TIMEOUT_MS: .*6000/);
    expect(() => loadConfig({ CONSUMER_CONCURRENCY: '0' })).toThrow(/CONSUMER_CONCURRENCY/);
    expect(loadConfig({}).consumer.futureToleranceMs).toBe(3_600_000);
    expect(loadConfig({ CONSUMER_FUTURE_TOLERANCE_MS: '0' }).consumer.futureToleranceMs).toBe(0);
    expect(() => loadConfig({ CONSUMER_FUTURE_TOLERANCE_MS: '9999-12-31' })).toThrow(/CONSUMER_FUTURE_TOLERANCE_MS/);
  });

  it('bounds the store operation timeout: long enough for a bulk write, short enough for a shutdown', () => {
    expect(loadConfig({}).mongo.operationTimeoutMs).toBe(10_000);
    expect(loadConfig({ MONGO_OPERATION_TIMEOUT_MS: '2000' }).mongo.operationTimeoutMs).toBe(2_000);
    for (const bad of ['999', '120001', '0', '1.5', 'soon'])
      expect(() => loadConfig({ MONGO_OPERATION_TIMEOUT_MS: bad })).toThrow(/MONGO_OPERATION_TIMEOUT_MS: /);
  });

  it('names every invalid variable in one error, with how to fix it', () => {
    const attempt = () => loadConfig({ KAFKA_BROKERS: 'not a broker', API_PORT: '99999', MONGO_URL: 'http://x' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const { message, problems } = error as ConfigError;
      expect(problems).toHaveLength(3);
      expect(message).toMatch(/KAFKA_BROKERS: must be a comma-separated list of host:port/);
      expect(message).toMatch(/API_PORT: .*\(got "99999"\)/);
      expect(message).toMatch(/MONGO_URL: must be a MongoDB connection string/);
      expect(message).toMatch(/see \.env\.example/);
    }
  });

  it('never repeats a secret in its error message', () => {
    expect(() => loadConfig({ ADMIN_PASSWORD: 'x'.repeat(10), WORKER_CONCURRENCY: '0' })).toThrow(/WORKER_CONCURRENCY/);
    try {
      loadConfig({ FOOTBALL_API_URL: 'nope', FOOT_TOKEN: 'sekret-token' });
    } catch (error) {
      expect((error as Error).message).not.toContain('sekret-token');
    }
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig({ FOOT_TOKEN: '', API_PORT: '' }).api.port).toBe(5000);
  });

  it('lists every variable it reads', () => {
    expect(ENV_VARIABLES).toEqual(expect.arrayContaining(['KAFKA_BROKERS', 'MONGO_URL', 'REDIS_URL', 'FOOT_TOKEN']));
  });
});

describe('the HTTP server settings', () => {
  it('bind loopback with bounded timeouts and connections by default', () => {
    expect(loadConfig({}).http).toEqual({
      host: '127.0.0.1',
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5_000,
      maxConnections: 1_000,
    });
    expect(loadConfig({ HTTP_HOST: '0.0.0.0' }).http.host).toBe('0.0.0.0');
    expect(loadConfig({ HTTP_HOST: '::' }).http.host).toBe('::');
    expect(loadConfig({ HTTP_HOST: 'api.internal' }).http.host).toBe('api.internal');
  });

  it('refuses a host that is no address, limits out of range, and headers slower than the request', () => {
    expect(() => loadConfig({ HTTP_HOST: 'http://0.0.0.0' })).toThrow(
      /HTTP_HOST: must be an IP address or a host name/,
    );
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '0' })).toThrow(/HTTP_HEADERS_TIMEOUT_MS/);
    expect(() => loadConfig({ HTTP_MAX_CONNECTIONS: '0' })).toThrow(/HTTP_MAX_CONNECTIONS/);
    expect(() => loadConfig({ HTTP_KEEP_ALIVE_TIMEOUT_MS: '1e9' })).toThrow(/HTTP_KEEP_ALIVE_TIMEOUT_MS/);
    expect(() => loadConfig({ HTTP_HEADERS_TIMEOUT_MS: '20000', HTTP_REQUEST_TIMEOUT_MS: '10000' })).toThrow(
      /HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS/,
    );
  });
});

it('names a bad URL without repeating its password', () => {
  expect(() => loadConfig({ REDIS_URL: 'http://:S3CRET-PW@redis:6379' })).toThrow(
    /REDIS_URL: .*\(got "http:\/\/:\[redacted\]@redis:6379"\)/,
  );
  expect(() => loadConfig({ REDIS_URL: 'http://:S3CRET-PW@redis:6379' })).not.toThrow(/S3CRET-PW/);
});
