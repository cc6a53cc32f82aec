/**
 * The containerised stack (docker-compose.yaml, Dockerfile, airflow/Dockerfile,
 * db/) checked without a Docker engine.
 *
 * Parsers: the real ones, through test/compose/composecheck, a small Go
 * program pinned to the versions Docker Compose v5.7.0 is built with:
 *  - compose-go v2.16.2, the Compose Specification's loader: what
 *    `docker compose --profile '*' config --format json` does (schema
 *    validation, interpolation of .env files and `${VAR:?message}`,
 *    normalisation, consistency of depends_on, secrets and volumes);
 *  - BuildKit v0.33.1's Dockerfile parser, instruction checks and linter
 *    (`-dockerfile`; the rules of `docker build --check`).
 * It is built here with `go build` (Go is on every machine of this project;
 * `.ci/run` fetches its modules ahead: `(cd test/compose/composecheck && go mod download)`).
 *
 * What this cannot check (it needs a Docker engine): that the pinned images
 * pull, that both Dockerfiles build, that the containers start and their
 * healthchecks pass, and that the stack moves data end to end.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { ENV_VARIABLES, loadConfig, type Config } from '../../lib/config';
import { INDEXES, resolveMongoUrl } from '../../lib/mongo';
import { API_NODE_FLAGS } from '../../bench/support';

const REPO = join(__dirname, '..', '..');
const COMPOSE_FILE = join(REPO, 'docker-compose.yaml');
const read = (path: string) => readFileSync(join(REPO, path), 'utf8');

// ---------------------------------------------------------------- the resolved project

interface Port {
  host_ip?: string;
  target: number;
  published?: string;
  protocol?: string;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile?: string };
  command?: string[] | null;
  container_name?: string;
  environment?: Record<string, string | null>;
  ports?: Port[];
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition: string }>;
  secrets?: { source: string; target?: string }[];
  volumes?: { type: string; source?: string; target: string; read_only?: boolean }[];
  profiles?: string[];
  restart?: string;
  user?: string;
  deploy?: { replicas?: number };
}
interface Project {
  name: string;
  services: Record<string, Service>;
  secrets?: Record<string, { file?: string }>;
  volumes?: Record<string, unknown>;
}

/** Passwords given to compose in these tests; they must only ever show up where a password belongs. */
const DUMMY = { ADMIN_PASSWORD: 'dummy-admin-password', AIRFLOW_ADMIN_PASSWORD: 'dummy-airflow-password' };

let workDir: string;
let composecheck: string;

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'compose-test-'));
  composecheck = join(workDir, 'composecheck');
  const built = spawnSync('go', ['build', '-buildvcs=false', '-o', composecheck, '.'], {
    cwd: join(__dirname, 'composecheck'),
    encoding: 'utf8',
    timeout: 240_000,
  });
  if (built.error || built.status !== 0) {
    throw new Error(
      `building test/compose/composecheck failed (Go is needed; .ci/run fetches its modules): ${built.error?.message ?? built.stderr}`,
    );
  }
}, 300_000);

afterAll(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/**
 * Load the compose file like `docker compose config`: only PATH and HOME from
 * this process (a developer's shell never leaks in), then `env`, then env files.
 */
function compose(
  env: Record<string, string> = {},
  options: { envFiles?: string[]; raw?: boolean } = {},
): { project?: Project; stderr: string } {
  const args = [
    ...(options.envFiles ?? []).flatMap((file) => ['-env-file', join(REPO, file)]),
    ...(options.raw ? ['-no-interpolation'] : []),
    COMPOSE_FILE,
  ];
  const result = spawnSync(composecheck, args, {
    cwd: REPO,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  });
  if (result.status !== 0) return { stderr: result.stderr };
  return { project: JSON.parse(result.stdout) as Project, stderr: result.stderr };
}

let loadedProject: Project | undefined;
let loadedRawProject: Project | undefined;

/** The project as `docker compose up` sees it after `cp .env.example .env` and setting the two passwords. */
function project(): Project {
  if (!loadedProject) {
    const { project: loaded, stderr } = compose(DUMMY, { envFiles: ['.env.example'] });
    if (!loaded) throw new Error(`compose-go rejected docker-compose.yaml:\n${stderr}`);
    loadedProject = loaded;
  }
  return loadedProject;
}

/** The same, with every `${VAR}` left as written. */
function rawProject(): Project {
  if (!loadedRawProject) {
    const { project: loaded, stderr } = compose({}, { raw: true });
    if (!loaded) throw new Error(`compose-go rejected docker-compose.yaml:\n${stderr}`);
    loadedRawProject = loaded;
  }
  return loadedRawProject;
}

interface Dockerfile {
  stages: { name: string; base: string; commands: { instruction: string; args: string }[] }[];
  warnings: string[];
}

/** A Dockerfile as BuildKit parses it (instructions checked, lint rules of `docker build --check` applied). */
function dockerfile(path: string): Dockerfile {
  const result = spawnSync(composecheck, ['-dockerfile', join(REPO, path)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`BuildKit rejected ${path}: ${result.stderr}`);
  return JSON.parse(result.stdout) as Dockerfile;
}
const args = (stage: Dockerfile['stages'][number], instruction: string) =>
  stage.commands.filter((command) => command.instruction === instruction).map((command) => command.args);

const APP_IMAGE_SERVICES = ['api', 'consumer', 'reader', 'workers', 'admin', 'kafka-init'];
const env = (service: Service): Record<string, string> =>
  Object.fromEntries(Object.entries(service.environment ?? {}).map(([name, value]) => [name, value ?? '']));
/** A Node service's command: `node`, its flags (e.g. --max-semi-space-size=64), the entry point, what follows. */
function nodeCommand(service: Service) {
  const [program, ...args] = service.command ?? [];
  const flags = args.filter((arg) => arg.startsWith('--'));
  const [entry, ...rest] = args.slice(flags.length);
  return { program, flags, entry, rest };
}

/** Each *_FILE variable of a service's environment pointed at a stand-in file holding "stand-in secret". */
function standIns(serviceEnv: Record<string, string>): Record<string, string> {
  const files = Object.entries(serviceEnv).filter(([variable]) => variable.endsWith('_FILE'));
  return Object.fromEntries(
    files.map(([variable]) => {
      const path = join(workDir, `stand-in-${variable}`);
      writeFileSync(path, 'stand-in secret\n');
      return [variable, path];
    }),
  );
}

/** A service's environment with its password files replaced by stand-ins, as lib/config.ts would read it. */
const withStandIns = (serviceEnv: Record<string, string>) => ({ ...serviceEnv, ...standIns(serviceEnv) });

/**
 * The driver of the metadata database a compose Airflow uses: the scheme of its
 * SQL_ALCHEMY_CONN, whether named in its environment or put together by its
 * start script (from the airflow-db password), else Airflow's own default.
 */
function airflowMetadataDriver(service: Service): string {
  const named = env(service).AIRFLOW__DATABASE__SQL_ALCHEMY_CONN;
  if (named) return named.split(':')[0]!;
  const script = (service.command ?? []).join(' ');
  const built = /"([a-z0-9+]+):\/\/airflow:" \+ db_password \+ "@airflow-db:5432\/airflow"/.exec(script);
  const exported = script.includes('AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="$(cat /opt/airflow/state/db-conn)"');
  return built && exported ? built[1]! : "sqlite (Airflow's default)";
}
/** An image tagged with its release: major.minor.patch, or major.minor for PostgreSQL (which numbers its releases so). */
function pinnedVersion(image: string): boolean {
  const tag = image.includes(':') ? image.slice(image.lastIndexOf(':') + 1) : '';
  const version = image.startsWith('postgres:') ? /^\d+\.\d+(-|$)/ : /^v?\d+\.\d+\.\d+/;
  return version.test(tag);
}
const hostPorts = (service: Service) => (service.ports ?? []).filter((port) => port.published !== undefined);

/** Keys and values of a Kafka .properties template; placeholders (@NAME@) left out. */
function properties(path: string): Record<string, string> {
  const entries = read(path)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]);
  return Object.fromEntries(entries.filter(([, value]) => !value.includes('@')));
}

/** The apache/kafka image's mapping: `num.io.threads` -> KAFKA_NUM_IO_THREADS. */
const kafkaEnvName = (key: string) => `KAFKA_${key.toUpperCase().replace(/-/g, '___').replace(/\./g, '_')}`;

// ---------------------------------------------------------------- the file itself

describe('docker-compose.yaml, as Docker Compose loads it', () => {
  it('is a valid compose-spec project (schema, interpolation, depends_on, secrets, volumes) with every profile', () => {
    const loaded = project();
    expect(Object.keys(loaded.services).sort()).toEqual(
      [
        'admin',
        'airflow',
        'airflow-db',
        'api',
        'consumer',
        'kafka-broker-1',
        'kafka-broker-2',
        'kafka-controller',
        'kafka-init',
        'kafka-ui',
        'mongo',
        'mongo-express',
        'reader',
        'redis',
        'secrets-init',
        'workers',
      ].sort(),
    );
    expect(read('docker-compose.yaml')).not.toMatch(/^version:/m);
  });

  it("comes up with nothing but db/password.txt (the README's one-liner): no .env, every interpolation resolves", () => {
    const { project: bare, stderr } = compose();
    expect(stderr).toBe('');
    // The only file it needs that git does not hold is db/password.txt; every other one it mounts is in the repository.
    const secretFiles = Object.values(bare!.secrets ?? {}).map((secret) => secret.file);
    expect(secretFiles).toEqual([join(REPO, 'db', 'password.txt')]);
    for (const [name, service] of Object.entries(bare!.services)) {
      for (const volume of service.volumes ?? []) {
        if (volume.type !== 'bind') continue;
        expect({ name, source: volume.source, exists: existsSync(volume.source!) }).toEqual({
          name,
          source: volume.source,
          exists: true,
        });
      }
    }
    // And no password has a value written into the file: each is a file, or optional from .env (empty here).
    for (const [name, service] of Object.entries(bare!.services)) {
      for (const [variable, value] of Object.entries(env(service))) {
        if (/PASSWORD|TOKEN|SECRET/.test(variable) && !variable.endsWith('_FILE')) {
          expect({ name, variable, value }).toEqual({ name, variable, value: '' });
        }
      }
    }
  });

  it('gives the containers the documented defaults when .env is a copy of .env.example', () => {
    // Docker Compose's .env parser reads `NAME=    # comment` as the value "# comment":
    // an empty value must not carry a comment on its line.
    const api = env(project().services.api!);
    for (const name of ['FOOT_TOKEN', 'FILTER_FOOT_COMPETITIONS', 'FILTER_FOOT_AREAS']) {
      expect({ [name]: api[name] }).toEqual({ [name]: '' });
    }
    expect(env(project().services['secrets-init']!).ADMIN_PASSWORD).toBe(DUMMY.ADMIN_PASSWORD);
  });

  it('pins every image to a version (a tag with a version number, never latest)', () => {
    for (const [name, service] of Object.entries(project().services)) {
      const image = service.image ?? '';
      if (service.build) {
        // Built here from the repository; named for this project, never "latest".
        expect({ name, image }).toEqual({ name, image: expect.stringMatching(/^kafka-pipeline-[a-z]+:local$/) });
      } else {
        expect({ name, image, pinned: pinnedVersion(image) }).toEqual({ name, image, pinned: true });
      }
    }
    // Biting: no tag, latest, a major alone, and a PostgreSQL major with a suffix are refused.
    for (const image of [
      'redis',
      'redis:latest',
      'mongo:8',
      'redis:7.4-alpine',
      'postgres:16-alpine',
      'postgres:latest',
    ])
      expect({ image, pinned: pinnedVersion(image) }).toEqual({ image, pinned: false });
    expect(['postgres:16.10', 'postgres:16.10-alpine', 'redis:7.4.11-alpine'].every(pinnedVersion)).toBe(true);
    for (const path of ['Dockerfile', 'airflow/Dockerfile']) {
      const { stages } = dockerfile(path);
      const names = stages.map((stage) => stage.name);
      // An image by a version, or an earlier stage of the same file (the smoke stage is FROM build).
      for (const { base } of stages.filter((stage) => !names.includes(stage.base))) {
        expect({ path, base }).toEqual({ path, base: expect.stringMatching(/:\d+\.\d+\.\d+/) });
      }
    }
  });

  it('publishes the ports of docs/ARCHITECTURE.md §8 on 127.0.0.1 only, and nothing else', () => {
    const published = Object.fromEntries(
      Object.entries(project().services)
        .map(
          ([name, service]) => [name, hostPorts(service).map((port) => `${port.host_ip}:${port.published}`)] as const,
        )
        .filter(([, ports]) => ports.length > 0),
    );
    expect(published).toEqual({
      api: ['127.0.0.1:5000'],
      reader: ['127.0.0.1:5001'],
      admin: ['127.0.0.1:3000'],
      'kafka-broker-1': ['127.0.0.1:9092'],
      'kafka-broker-2': ['127.0.0.1:9093'],
      'kafka-controller': ['127.0.0.1:9094'],
      mongo: ['127.0.0.1:27017'],
      redis: ['127.0.0.1:6379'],
      airflow: ['127.0.0.1:8080'],
      'kafka-ui': ['127.0.0.1:8888'],
      'mongo-express': ['127.0.0.1:8082'],
    });
  });

  it('lets consumer and workers scale out: no container_name anywhere, no host port, no fixed replicas', () => {
    const services = project().services;
    for (const [name, service] of Object.entries(services)) {
      expect({ name, container_name: service.container_name }).toEqual({ name, container_name: undefined });
    }
    for (const name of ['consumer', 'workers']) {
      expect(hostPorts(services[name]!)).toEqual([]);
      expect(services[name]!.deploy?.replicas).toBeUndefined();
    }
  });

  it('has a healthcheck on every long-running service, and starts each service once what it needs is healthy', () => {
    const services = project().services;
    const oneShot = ['kafka-init', 'secrets-init'];
    for (const [name, service] of Object.entries(services)) {
      if (oneShot.includes(name)) {
        expect(service.restart).toBe('no'); // one-shot
        continue;
      }
      const test = service.healthcheck?.disable ? [] : (service.healthcheck?.test ?? []);
      expect({ name, hasHealthcheck: test.length > 1 }).toEqual({ name, hasHealthcheck: true });
    }
    for (const [name, service] of Object.entries(services)) {
      for (const [target, { condition }] of Object.entries(service.depends_on ?? {})) {
        const expected = oneShot.includes(target) ? 'service_completed_successfully' : 'service_healthy';
        expect({ name, target, condition }).toEqual({ name, target, condition: expected });
      }
    }
    const needs = (name: string) => Object.keys(services[name]!.depends_on ?? {}).sort();
    expect(needs('kafka-init')).toEqual(['kafka-broker-1', 'kafka-broker-2']);
    expect(needs('api')).toEqual(['kafka-init', 'redis']);
    expect(needs('consumer')).toEqual(['kafka-init', 'mongo']);
    expect(needs('workers')).toEqual(['api', 'redis']);
    expect(needs('admin')).toEqual(['redis']);
    expect(needs('reader')).toEqual(['kafka-init', 'mongo']);
  });

  it('documents in .env.example every variable it reads from .env', () => {
    const text = read('docker-compose.yaml').replace(/^\s*#.*$/gm, '');
    const used = new Set([...text.matchAll(/(?<!\$)\$\{([A-Z][A-Z0-9_]*)/g)].map((match) => match[1]!));
    const example = read('.env.example');
    const listed = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]!));
    const composeOnly = [...used].filter((name) => !(ENV_VARIABLES as string[]).includes(name));
    expect(composeOnly).toEqual(['AIRFLOW_ADMIN_PASSWORD']);
    for (const name of used) expect({ name, listed: listed.has(name) }).toEqual({ name, listed: true });
  });
});

// ---------------------------------------------------------------- secrets

describe('secrets', () => {
  it('writes no password inline: each comes from a file or an optional ${VAR} of .env with no default', () => {
    const raw = rawProject();
    for (const [name, service] of Object.entries(raw.services)) {
      for (const [variable, value] of Object.entries(env(service))) {
        if (!/PASSWORD|TOKEN|SECRET/.test(variable)) continue;
        if (variable.endsWith('_FILE')) {
          // A path: a secret's volume or the Docker secret, or the file Airflow's auth manager reads.
          const path = /^\/(run\/secrets|opt\/airflow\/state)\//;
          expect({ name, variable, value }).toEqual({ name, variable, value: expect.stringMatching(path) });
        } else {
          // Optional: unset, the password is generated on the first start (or, FOOT_TOKEN, the simulator serves).
          expect({ name, variable, value }).toEqual({ name, variable, value: `\${${variable}:-}` });
        }
      }
    }
    // No user:password@ in any URL, command or healthcheck (a ${...} built at run time is fine).
    expect(JSON.stringify(raw)).not.toMatch(/:\/\/[^:/@\s"]*:[^@\s"$]+@/);
    // The dummy passwords given to compose end up only where a password belongs.
    const placed = Object.entries(project().services).flatMap(([name, service]) =>
      Object.entries(env(service))
        .filter(([, value]) => Object.values(DUMMY).includes(value))
        .map(([variable]) => `${name}.${variable}`),
    );
    expect(placed.sort()).toEqual(['secrets-init.ADMIN_PASSWORD', 'secrets-init.AIRFLOW_ADMIN_PASSWORD']);
  });

  /** Which services mount each secret's volume (db/secrets-init.sh writes them). */
  function holders(): Record<string, string[]> {
    const byVolume: Record<string, string[]> = {};
    for (const [name, service] of Object.entries(project().services)) {
      for (const volume of service.volumes ?? []) {
        if (volume.type !== 'volume' || !volume.source?.endsWith('-secret')) continue;
        (byVolume[volume.source] ??= []).push(name);
        if (name !== 'secrets-init')
          expect({ name, volume: volume.source, readOnly: volume.read_only }).toEqual({
            name,
            volume: volume.source,
            readOnly: true,
          });
      }
    }
    return Object.fromEntries(Object.entries(byVolume).map(([volume, names]) => [volume, names.sort()]));
  }

  it('gives each service only the secrets it uses: MongoDB root only to mongo, the app user to its clients', () => {
    expect(holders()).toEqual({
      'mongo-root-secret': ['mongo', 'secrets-init'],
      'mongo-app-secret': ['admin', 'airflow', 'consumer', 'mongo', 'mongo-express', 'reader', 'secrets-init'],
      'redis-secret': ['admin', 'airflow', 'api', 'redis', 'secrets-init', 'workers'],
      'admin-secret': ['admin', 'kafka-ui', 'mongo-express', 'secrets-init'],
      // Airflow's user admin: Airflow's auth manager, and the live page's DAG runs (the admin server).
      'airflow-secret': ['admin', 'airflow', 'secrets-init'],
      'airflow-db-secret': ['airflow', 'airflow-db', 'secrets-init'],
    });
    // db/password.txt (the Docker secret) is read by secrets-init alone, as root: mode 600 on the host works.
    const services = project().services;
    const withDockerSecrets = Object.entries(services).filter(([, service]) => (service.secrets ?? []).length > 0);
    expect(withDockerSecrets.map(([name]) => name)).toEqual(['secrets-init']);
    expect(services['secrets-init']!.user ?? 'root').toBe('root');
    // The password file each service is told about lies in a volume it mounts.
    for (const [name, service] of Object.entries(services)) {
      const targets = (service.volumes ?? []).map((volume) => volume.target);
      for (const [variable, file] of Object.entries(env(service))) {
        if (!variable.endsWith('PASSWORD_FILE') || file.startsWith('/opt/airflow/state/')) continue;
        const mounted = targets.some((target) => file.startsWith(`${target}/`));
        const secret = (service.secrets ?? []).some((s) => file === `/run/secrets/${s.source}`);
        expect({ name, variable, mounted: mounted || secret }).toEqual({ name, variable, mounted: true });
      }
    }
  });

  it('FOOT_TOKEN goes only to the API, the one service that calls football-data.org', () => {
    const withToken = Object.entries(project().services).filter(([, service]) => 'FOOT_TOKEN' in env(service));
    expect(withToken.map(([name]) => name)).toEqual(['api']);
  });

  it('runs Redis with a password (from a file, never a command line) that the workers, the admin server and Airflow use', () => {
    const services = project().services;
    const redis = services.redis!;
    expect(redis.command?.[0]).toBe('redis-server');
    expect(redis.command?.[1]).toBe('/run/secrets/redis/redis.conf'); // requirepass, written by db/secrets-init.sh
    expect((redis.healthcheck?.test ?? []).join(' ')).toContain('REDISCLI_AUTH="$(cat /run/secrets/redis/password)"');
    const passwordFile = join(workDir, 'redis_password');
    writeFileSync(passwordFile, 'dummy redis password\n');
    for (const name of ['workers', 'admin']) {
      const serviceEnv = env(services[name]!);
      expect(serviceEnv.REDIS_PASSWORD_FILE).toBe('/run/secrets/redis/password');
      const url = new URL(loadConfig({ ...serviceEnv, ...standIns(serviceEnv) }).redis.url);
      expect([url.hostname, decodeURIComponent(url.password)]).toEqual(['redis', 'stand-in secret']);
    }
    // Airflow: the connection redis_default is REDIS_URL plus that password, put together at start.
    const airflow = services.airflow!;
    expect(env(airflow).REDIS_PASSWORD_FILE).toBe('/run/secrets/redis/password');
    expect(Object.keys(env(airflow))).not.toContain('AIRFLOW_CONN_REDIS_DEFAULT');
    const script = (airflow.command ?? []).join(' ');
    expect(script).toContain('open(os.environ["REDIS_PASSWORD_FILE"])');
    expect(script).toContain('AIRFLOW_CONN_REDIS_DEFAULT="$(cat /opt/airflow/state/redis-conn)"');
  });

  it("keeps Airflow's metadata in PostgreSQL (airflow-db), as the stack does, never in SQLite", () => {
    const { services } = project();
    const airflow = services.airflow!;
    // infra/services/90-airflow.sh says why: Airflow's API server deadlocks on SQLite's lock.
    const stack = readFileSync(join(REPO, 'infra/services/90-airflow.sh'), 'utf8');
    expect(/SQL_ALCHEMY_CONN:-([a-z0-9+]+):/.exec(stack)?.[1]).toBe('postgresql+psycopg2');
    expect(airflowMetadataDriver(airflow)).toBe('postgresql+psycopg2');
    expect(airflow.depends_on?.['airflow-db']?.condition).toBe('service_healthy');
    expect(env(airflow).AIRFLOW_DB_PASSWORD_FILE).toBe(env(services['airflow-db']!).POSTGRES_PASSWORD_FILE);
    expect(hostPorts(services['airflow-db']!)).toEqual([]);
    // Biting: an Airflow told to use SQLite again is caught.
    const onSqlite = {
      ...airflow,
      environment: { ...env(airflow), AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: 'sqlite:////opt/airflow/state/airflow.db' },
    };
    expect(airflowMetadataDriver(onSqlite)).toBe('sqlite');
    expect(airflowMetadataDriver({ ...airflow, command: ['airflow', 'standalone'] })).toBe(
      "sqlite (Airflow's default)",
    );
  });

  it('gives Airflow the kafka_default connection to the brokers the services use, put together at start', () => {
    const { services } = project();
    const airflow = services.airflow!;
    expect(env(airflow).KAFKA_BROKERS).toBe(env(services.api!).KAFKA_BROKERS);
    expect(Object.keys(env(airflow))).not.toContain('AIRFLOW_CONN_KAFKA_DEFAULT');
    const script = (airflow.command ?? []).join(' ');
    expect(script).toContain('{"bootstrap.servers": os.environ["KAFKA_BROKERS"]}');
    expect(script).toContain('AIRFLOW_CONN_KAFKA_DEFAULT="$(cat /opt/airflow/state/kafka-conn)"');
  });

  it('runs MongoDB with authentication: root and the app user with separate passwords from files, never a plain variable', () => {
    const mongo = env(project().services.mongo!);
    expect(mongo.MONGO_INITDB_ROOT_USERNAME).toBe('root');
    expect(mongo.MONGO_INITDB_ROOT_PASSWORD_FILE).toBe('/run/secrets/mongo-root/password');
    expect(mongo.MONGO_APP_PASSWORD_FILE).toBe('/run/secrets/mongo-app/password');
    expect(mongo.MONGO_INITDB_ROOT_PASSWORD).toBeUndefined();
    expect(project().services.mongo!.volumes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: join(REPO, 'db', 'init'), target: '/docker-entrypoint-initdb.d' }),
      ]),
    );
  });

  it('takes the app user password from db/password.txt, which git and the image build never see', () => {
    const loaded = project();
    expect(loaded.secrets?.mongo_app_password?.file).toBe(join(REPO, 'db', 'password.txt'));
    expect(read('.gitignore').split('\n')).toContain('db/password.txt');
    expect(read('.dockerignore').split('\n')).toContain('*'); // an allow-list: db/ and .env stay out
    expect(read('.dockerignore')).not.toMatch(/^!(db|\.env)/m);
    expect(existsSync(join(REPO, 'db', 'password.txt.example'))).toBe(true);
    // The advice the README gives about the file works (see above) and keeps it from other users.
    expect(read('README.md')).not.toMatch(/mode 644/);
    expect(read('README.md')).toContain('umask 077');
  });

  it('gives Airflow the admin password secrets-init wrote, and the admin server its passwords file', () => {
    const raw = rawProject().services;
    expect(env(raw['secrets-init']!).AIRFLOW_ADMIN_PASSWORD).toBe('${AIRFLOW_ADMIN_PASSWORD:-}');
    expect(env(raw.airflow!).AIRFLOW_ADMIN_PASSWORD).toBeUndefined();
    const script = (raw.airflow!.command ?? []).join(' ');
    expect(script).toContain('AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE');
    expect(script).toContain('open("/run/secrets/airflow/password")');
    expect(script).toMatch(/exec airflow standalone\s*$/);
    expect(env(raw.airflow!).AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS).toBe('admin:admin');
    expect(env(raw.admin!).LIVE_AIRFLOW_PASSWORDS_FILE).toBe('/run/secrets/airflow/passwords.json');
  });
});

describe('db/secrets-init.sh (the passwords, before anything starts)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(workDir, 'secrets-init-'));
    writeFileSync(join(dir, 'password.txt'), '  my app password \n');
  });
  const secretsInit = (extra: Record<string, string> = {}) =>
    spawnSync('sh', [join(REPO, 'db', 'secrets-init.sh')], {
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        VOLUMES_DIR: join(dir, 'out'),
        MONGO_APP_PASSWORD_FILE: join(dir, 'password.txt'),
        ...extra,
      },
    });
  const secret = (path: string) => readFileSync(join(dir, 'out', path), 'utf8');

  it('generates what is missing, takes the app password from db/password.txt, and writes redis.conf', () => {
    const first = secretsInit();
    expect(first.status).toBe(0);
    expect(secret('mongo-app/password')).toBe('my app password');
    const generated = ['mongo-root', 'redis', 'admin', 'airflow', 'airflow-db'];
    for (const name of generated) expect(secret(`${name}/password`)).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(new Set(generated.map((name) => secret(`${name}/password`))).size).toBe(generated.length);
    expect(secret('redis/redis.conf')).toBe(`requirepass "${secret('redis/password')}"\n`);
    expect(JSON.parse(secret('airflow/passwords.json'))).toEqual({ admin: secret('airflow/password') });
    expect(readdirSync(join(dir, 'out')).sort()).toEqual([
      'admin',
      'airflow',
      'airflow-db',
      'mongo-app',
      'mongo-root',
      'redis',
    ]);
    expect(statSync(join(dir, 'out', 'redis', 'password')).mode & 0o777).toBe(0o444);
    // Where to read the generated ones is printed; the passwords themselves never are.
    expect(first.stdout).toContain('docker compose exec admin cat /run/secrets/admin/password');
    for (const name of generated) expect(first.stdout + first.stderr).not.toContain(secret(`${name}/password`));
  });

  it('keeps generated passwords across starts, and takes ADMIN_PASSWORD and AIRFLOW_ADMIN_PASSWORD from .env', () => {
    secretsInit();
    const names = ['mongo-root', 'redis', 'admin', 'airflow', 'airflow-db'];
    const before = names.map((name) => secret(`${name}/password`));
    expect(secretsInit().status).toBe(0);
    expect(names.map((name) => secret(`${name}/password`))).toEqual(before);
    const chosen = 'from .env with "quotes" and \\ a backslash';
    expect(secretsInit({ ADMIN_PASSWORD: 'from .env', AIRFLOW_ADMIN_PASSWORD: chosen }).status).toBe(0);
    expect(secret('admin/password')).toBe('from .env');
    expect(secret('airflow/password')).toBe(chosen);
    expect(JSON.parse(secret('airflow/passwords.json'))).toEqual({ admin: chosen });
  });

  it('refuses a missing or empty db/password.txt, or the example password, saying what to do', () => {
    expect(secretsInit({ MONGO_APP_PASSWORD_FILE: join(dir, 'nope') }).stderr).toContain('create db/password.txt');
    writeFileSync(join(dir, 'password.txt'), ' \n');
    expect(secretsInit().stderr).toContain('db/password.txt is empty');
    writeFileSync(join(dir, 'password.txt'), readFileSync(join(REPO, 'db', 'password.txt.example')));
    const example = secretsInit();
    expect([example.status, example.stderr]).toEqual([1, expect.stringContaining('example password')]);
  });
});

// ---------------------------------------------------------------- the Node services

describe('the Node services', () => {
  const portOf: Record<string, (config: Config) => number> = {
    api: (config) => config.api.port,
    consumer: (config) => config.consumer.port,
    workers: (config) => config.workers.port,
    admin: (config) => config.admin.port,
  };

  it('get an environment lib/config.ts accepts, pointing at compose services, not localhost', () => {
    const services = project().services;
    for (const name of APP_IMAGE_SERVICES) {
      const serviceEnv = env(services[name]!);
      // Only names lib/config.ts knows (and the image's HEALTHCHECK_URL): a typo would otherwise be ignored silently.
      const known = [...ENV_VARIABLES, 'HEALTHCHECK_URL'] as string[];
      const unknown = Object.keys(serviceEnv).filter((variable) => !known.includes(variable));
      expect({ name, unknown }).toEqual({ name, unknown: [] });

      const config = loadConfig({ ...serviceEnv, ...standIns(serviceEnv) });
      const brokerHosts = config.kafka.brokers.map((broker) => broker.split(':')[0]);
      expect(brokerHosts).toEqual(['kafka-broker-1', 'kafka-broker-2']);
      const mongoUrl = new URL(config.mongo.url);
      expect([mongoUrl.hostname, mongoUrl.username, mongoUrl.searchParams.get('authSource')]).toEqual([
        'mongo',
        'app',
        config.mongo.db,
      ]);
      expect(new URL(config.redis.url).hostname).toBe('redis');
      expect(new URL(config.api.url).host).toBe(`api:${loadConfig(withStandIns(env(services.api!))).api.port}`);

      // Only the consumer, the read API and the admin server (its live page reads the latest documents) use
      // MongoDB, so only they get the app user's password file; with a stand-in the URL resolves.
      if (!['consumer', 'reader', 'admin'].includes(name)) {
        expect({ name, passwordFile: serviceEnv.MONGO_PASSWORD_FILE }).toEqual({ name, passwordFile: undefined });
        continue;
      }
      expect(serviceEnv.MONGO_PASSWORD_FILE).toBe('/run/secrets/mongo-app/password');
      const resolved = new URL(resolveMongoUrl(config.mongo));
      expect(decodeURIComponent(resolved.password)).toBe('stand-in secret');
    }
  });

  it('reach each broker on the INTERNAL listener that broker advertises', () => {
    const services = project().services;
    const brokers = loadConfig(withStandIns(env(services.api!))).kafka.brokers;
    for (const broker of brokers) {
      const host = broker.split(':')[0]!;
      expect(env(services[host]!).KAFKA_ADVERTISED_LISTENERS).toContain(`INTERNAL://${broker}`);
    }
  });

  it('are health-checked on the port lib/config.ts gives each of them', () => {
    const services = project().services;
    for (const [name, port] of Object.entries(portOf)) {
      const service = services[name]!;
      expect((service.healthcheck?.test ?? []).join(' ')).toContain('fetch(process.env.HEALTHCHECK_URL)');
      const url = env(service).HEALTHCHECK_URL;
      const config = loadConfig({ ...env(service), ...standIns(env(service)) });
      expect({ name, url }).toEqual({ name, url: `http://127.0.0.1:${port(config)}/healthz` });
      for (const published of hostPorts(service)) expect(published.target).toBe(port(config));
    }
    // The image's own HEALTHCHECK reads the same variable.
    const runtime = dockerfile('Dockerfile').stages.at(-1)!;
    expect(args(runtime, 'HEALTHCHECK')).toEqual([expect.stringContaining('fetch(process.env.HEALTHCHECK_URL)')]);
  });

  it('start entry points that exist as TypeScript sources inside the image build context', () => {
    const services = project().services;
    const allowed = [...read('.dockerignore').matchAll(/^!([^/\s]+)\/?$/gm)].map((match) => match[1]);
    const built = JSON.parse(read('tsconfig.build.json')) as { include: string[] };
    for (const name of APP_IMAGE_SERVICES) {
      const { program, entry, rest } = nodeCommand(services[name]!);
      expect([program, rest]).toEqual(['node', []]);
      const source = entry!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      const top = source.split('/')[0];
      expect({ name, source, exists: existsSync(join(REPO, source)) }).toEqual({ name, source, exists: true });
      expect({ name, top, inContext: allowed.includes(top) }).toEqual({ name, top, inContext: true });
      expect({ name, top, built: built.include.includes(top!) }).toEqual({ name, top, built: true });
    }
    // What `npm run build` compiles (tsconfig.build.json) and bundles (the live page, admin/page/) is in the context too.
    for (const top of [...built.include, 'admin'])
      expect({ top, inContext: allowed.includes(top) }).toEqual({ top, inContext: true });
  });

  it('the API gets the same Node flags wherever it starts: compose, the image, make up, the benchmarks', () => {
    expect(nodeCommand(project().services.api!).flags).toEqual(API_NODE_FLAGS);
    const runtime = dockerfile('Dockerfile').stages.at(-1)!;
    expect(args(runtime, 'CMD').map((json) => JSON.parse(json) as string[])).toEqual([
      ['node', ...API_NODE_FLAGS, 'dist/producers/main.js'],
    ]);
    expect(read('infra/services/60-api.sh')).toContain(
      `node ${API_NODE_FLAGS.join(' ')} --import tsx producers/main.ts`,
    );
  });

  it('kafka-init creates the topics with the project code (scripts/ensure-topics.ts), after both brokers', () => {
    const init = project().services['kafka-init']!;
    expect(init.command).toEqual(['node', 'dist/scripts/ensure-topics.js']);
    // lib/kafka/topics.ts ensurePipelineTopics = ensureTopics(admin, pipelineTopics(config)), with retries.
    expect(read('scripts/ensure-topics.ts')).toMatch(/ensurePipelineTopics\(kafka, config\.kafka, log/);
  });
});

// ---------------------------------------------------------------- Kafka

describe('the Kafka cluster', () => {
  it('runs the Kafka version of the non-Docker stack (infra/kafka/pom.xml)', () => {
    const version = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(read('infra/kafka/pom.xml'))?.[1];
    for (const name of ['kafka-controller', 'kafka-broker-1', 'kafka-broker-2']) {
      expect(project().services[name]!.image).toBe(`apache/kafka:${version}`);
    }
  });

  it('is one KRaft controller (node 1) and two brokers (nodes 2, 3) of one cluster', () => {
    const services = project().services;
    const nodes = ['kafka-controller', 'kafka-broker-1', 'kafka-broker-2'].map((name) => env(services[name]!));
    expect(nodes.map((node) => [node.KAFKA_NODE_ID, node.KAFKA_PROCESS_ROLES])).toEqual([
      ['1', 'controller'],
      ['2', 'broker'],
      ['3', 'broker'],
    ]);
    expect(new Set(nodes.map((node) => node.CLUSTER_ID)).size).toBe(1);
    expect(nodes[0]!.CLUSTER_ID).toMatch(/^[A-Za-z0-9_-]{22}$/);
    for (const node of nodes) expect(node.KAFKA_CONTROLLER_QUORUM_VOTERS).toBe('1@kafka-controller:9094');
    for (const [index, name] of ['kafka-broker-1', 'kafka-broker-2'].entries()) {
      const port = 9092 + index;
      expect(env(services[name]!).KAFKA_ADVERTISED_LISTENERS).toContain(`EXTERNAL://127.0.0.1:${port}`);
    }
  });

  it.each([
    ['kafka-controller', 'infra/kafka/controller.properties.in'],
    ['kafka-broker-1', 'infra/kafka/broker.properties.in'],
    ['kafka-broker-2', 'infra/kafka/broker.properties.in'],
  ])('%s has the settings of %s (listeners and the SASL_SSL listener aside)', (name, template) => {
    // Containers need an INTERNAL and an EXTERNAL listener where infra has one on 127.0.0.1.
    const LISTENERS = [
      'listeners',
      'advertised.listeners',
      'listener.security.protocol.map',
      'inter.broker.listener.name',
    ];
    // The SASL_SSL listener and the authorizer behind it are the local stack's, where
    // test/integration/kafka-sasl.test.ts proves secured Kafka; compose's brokers speak
    // plaintext on the compose network only (docs/ARCHITECTURE.md §8).
    const SASL_LISTENER = (key: string) =>
      key.startsWith('listener.name.sasl_ssl.') ||
      ['authorizer.class.name', 'allow.everyone.if.no.acl.found', 'super.users'].includes(key);
    const nodeEnv = env(project().services[name]!);
    const wanted = Object.entries(properties(template)).filter(
      ([key]) => !LISTENERS.includes(key) && !SASL_LISTENER(key),
    );
    expect(wanted.length).toBeGreaterThan(3);
    for (const [key, value] of wanted) {
      expect({ key, value: nodeEnv[kafkaEnvName(key)] }).toEqual({ key, value });
    }
  });
});

// ---------------------------------------------------------------- images

describe('the images', () => {
  it('builds with the commands CI runs: install the lock, then npm run build (as BuildKit parses the Dockerfile)', () => {
    const { stages, warnings } = dockerfile('Dockerfile');
    expect(warnings).toEqual([]);
    const [build, smoke, runtime] = stages;
    // The last stage is what `docker build` gives unasked: the services' runtime.
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'smoke', 'runtime']);
    // Both install exactly the lock's versions: the image with `npm ci` (npm 10 in
    // the node image), CI with `make install` (`npm install`; see the Makefile for why).
    expect(read('.ci/run')).toMatch(/^make install$/m);
    expect(read('Makefile')).toMatch(/^\tnpm install --no-audit --no-fund$/m);
    expect(args(build!, 'RUN')).toEqual(['npm ci --no-audit --no-fund', 'npm run build']);
    // The second step bundles the live page (admin/page/) into dist/admin/page/: the runtime image has no esbuild.
    expect(JSON.parse(read('package.json')).scripts.build).toBe(
      'tsc -p tsconfig.build.json && node --import tsx admin/server/live/build-page.ts',
    );

    expect(args(runtime!, 'RUN')).toEqual([expect.stringMatching(/^npm ci --omit=dev\b/)]);
    expect(args(runtime!, 'COPY')).toContain('--from=build /app/dist ./dist');
    expect(args(runtime!, 'USER')).toEqual(['node']);
    expect(args(runtime!, 'ENV')).toContain('NODE_ENV=production');
    expect(args(runtime!, 'HEALTHCHECK')).toHaveLength(1);

    // The smoke stage (the chart's `helm test` Pod) is the build stage, unprivileged, running what `npm run smoke` runs.
    expect(smoke!.base).toBe('build');
    expect(args(smoke!, 'USER')).toEqual(['node']);
    const smokeCommand = (JSON.parse(args(smoke!, 'CMD')[0]!) as string[]).join(' ');
    expect(smokeCommand).toBe(JSON.parse(read('package.json')).scripts.smoke);
    const allowed = [...read('.dockerignore').matchAll(/^!([^/\s]+)\/?$/gm)].map((match) => match[1]);
    expect(['smoke', 'harness'].filter((top) => !allowed.includes(top))).toEqual([]);
  });

  it('compiles: `npm run build` (tsc -p tsconfig.build.json) emits every entry point compose starts', () => {
    const outDir = join(workDir, 'dist');
    const tsc = spawnSync(
      process.execPath,
      [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
      { cwd: REPO, encoding: 'utf8', timeout: 240_000 },
    );
    expect({ status: tsc.status, output: tsc.stdout + tsc.stderr }).toEqual({ status: 0, output: '' });
    for (const name of APP_IMAGE_SERVICES) {
      const entry = nodeCommand(project().services[name]!).entry!;
      expect({ name, entry, emitted: existsSync(join(outDir, entry.replace(/^dist\//, ''))) }).toEqual({
        name,
        entry,
        emitted: true,
      });
    }
  }, 300_000);

  it('Airflow: the official 3.x image for Python 3.11 plus airflow/requirements.txt, DAG and plugins mounted', () => {
    const { stages, warnings } = dockerfile('airflow/Dockerfile');
    expect(warnings).toEqual([]);
    const version = /^apache\/airflow:(\d+\.\d+\.\d+)-python3\.11$/.exec(stages[0]!.base)?.[1];
    expect(version).toMatch(/^3\./);
    expect(args(stages[0]!, 'RUN')).toContainEqual(
      expect.stringMatching(/^pip install .*"apache-airflow==\$\{AIRFLOW_VERSION\}" -r \/tmp\/requirements\.txt$/),
    );
    expect(existsSync(join(REPO, 'airflow', 'requirements.txt'))).toBe(true);
    // The Airflow the non-Docker stack pins (its lock) is the image's.
    for (const file of ['airflow/requirements.txt', 'airflow/requirements-airflow.txt']) {
      const pinned = existsSync(join(REPO, file)) ? /^apache-airflow==([^\s;#]+)/m.exec(read(file))?.[1] : undefined;
      if (pinned) expect({ file, pinned }).toEqual({ file, pinned: version });
    }

    const airflow = project().services.airflow!;
    expect(airflow.build?.context).toBe(join(REPO, 'airflow'));
    const mounts = Object.fromEntries((airflow.volumes ?? []).map((volume) => [volume.target, volume.source]));
    expect(mounts['/opt/airflow/dags']).toBe(join(REPO, 'airflow', 'dags'));
    expect(mounts['/opt/airflow/plugins']).toBe(join(REPO, 'airflow', 'plugins'));
    expect(env(airflow).REDIS_PASSWORD_FILE).toBeDefined(); // redis_default is built from it at start
  });
});

// ---------------------------------------------------------------- db/

describe('db/init (mongosh scripts run once on a fresh MongoDB volume)', () => {
  /** Run db/init/*.js in order against a stand-in for mongosh's `db`, recording what they ask of MongoDB. */
  function runInitScripts(password: string) {
    const users: { db: string; user: string; pwd: string; roles: unknown }[] = [];
    const indexes: Record<string, unknown[]> = {};
    const database = (name: string) => ({
      getSiblingDB: database,
      getUser: () => null,
      createUser: (user: { user: string; pwd: string; roles: unknown }) => users.push({ db: name, ...user }),
      updateUser: () => {
        throw new Error('not expected on a fresh volume');
      },
      runCommand: (command: { createIndexes: string; indexes: unknown[] }) => {
        indexes[`${name}.${command.createIndexes}`] = command.indexes;
        return { ok: 1 };
      },
    });
    const environment = {
      MONGO_DB: 'pipeline',
      MONGO_APP_USER: 'app',
      MONGO_APP_PASSWORD_FILE: '/run/secrets/mongo-app/password',
    };
    const files = {
      '/run/secrets/mongo-app/password': `${password}\n`,
      '/etc/kafka-pipeline/mongo-indexes.json': read('lib/mongo-indexes.json'),
    } as Record<string, string>;
    for (const script of ['db/init/10-app-user.js', 'db/init/20-indexes.js']) {
      runInNewContext(read(script), {
        db: database('test'),
        print: () => undefined,
        process: { env: environment },
        require: (module: string) => {
          if (module !== 'fs') throw new Error(`unexpected require(${module})`);
          return { readFileSync: (path: string) => files[path] ?? '' };
        },
      });
    }
    return { users, indexes };
  }

  it('creates the application user with readWrite on the pipeline database only, password from the secret', () => {
    const { users } = runInitScripts('s3cret password');
    expect(users).toEqual([
      { db: 'pipeline', user: 'app', pwd: 's3cret password', roles: [{ role: 'readWrite', db: 'pipeline' }] },
    ]);
  });

  it('creates exactly the indexes of lib/mongo.ts (INDEXES, what ensureIndexes creates at start-up)', () => {
    const fromLib = Object.fromEntries(
      Object.entries(INDEXES).map(([collection, specs]) => [`pipeline.${collection}`, specs]),
    );
    expect(runInitScripts('x').indexes).toEqual(fromLib);
  });

  it('is mounted with the environment the scripts read', () => {
    const mongo = env(project().services.mongo!);
    expect(mongo.MONGO_APP_USER).toBe(
      new URL(loadConfig(withStandIns(env(project().services.api!))).mongo.url).username,
    );
    expect(mongo.MONGO_DB).toBe(loadConfig(withStandIns(env(project().services.api!))).mongo.db);
    expect(mongo.MONGO_APP_PASSWORD_FILE).toBe('/run/secrets/mongo-app/password');
  });
});
