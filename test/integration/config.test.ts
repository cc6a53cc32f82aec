import { spawnSync } from 'node:child_process';

function checkConfig(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/check-config.ts'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('configuration at start-up', () => {
  it('a missing or invalid variable gives the named error, not a stack trace', () => {
    const run = checkConfig({ KAFKA_BROKERS: 'kafka', API_PORT: 'http', FOOT_TOKEN: 'T0K3N-secret' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/invalid configuration/);
    expect(run.stderr).toMatch(/KAFKA_BROKERS: must be a comma-separated list of host:port/);
    expect(run.stderr).toMatch(/API_PORT: /);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack frames
    expect(run.stderr + run.stdout).not.toContain('T0K3N-secret');
  });

  it('a valid environment starts, and secrets are not printed', () => {
    const run = checkConfig({ FOOT_TOKEN: 'T0K3N-secret', MONGO_URL: 'mongodb://app:pw123@db:27017' });
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ mongo: { url: 'mongodb://app:[redacted]@db:27017' } });
    expect(run.stdout).not.toMatch(/T0K3N-secret|pw123/);
  });

  it('MONGO_PASSWORD_FILE that cannot be read is a named error', () => {
    const run = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        "require('./lib/mongo').resolveMongoUrl({url:'mongodb://app@db',db:'x',passwordFile:'/nope'})",
      ],
      { encoding: 'utf8' },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/MONGO_PASSWORD_FILE: cannot read \/nope/);
  });
});
