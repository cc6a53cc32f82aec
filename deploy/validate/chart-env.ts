/**
 * chart-env.ts RENDERED.yaml...: each container of ours in a rendering would pass its own start-up
 * check. deploy/validate.sh runs it after the policy, which knows only the variables' names: here
 * lib/config.ts's loadConfig (what every process runs first) takes the environment the chart
 * gives the container, so a value it refuses (a bound, a URL, SASL without its CA) fails here, not
 * in a crash-looping pod. Secrets are stand-ins: a file for each mounted key (a generated
 * certificate where a CA bundle is read), a placeholder for each secretKeyRef.
 * A URL naming a Service of the release must name one of the rendering, on a port it serves.
 * One line per container; exit 1 on any refusal.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { loadConfig } from '../../lib/config';
import { ConfigError } from '../../lib/errors';

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: unknown;
}
interface Container {
  name: string;
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string }[];
}
interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: {
    containers?: Container[];
    template?: { spec: { containers: Container[] } };
    ports?: { port: number }[];
  };
}

const POD_OWNERS = new Set(['Deployment', 'StatefulSet', 'Job', 'Pod']);
// The variables whose file lib/config.ts parses as PEM certificates (lib/config-files.ts pemFromFile).
const PEM_FILES = new Set(['KAFKA_SSL_CA_FILE']);

function objectsOf(paths: string[]): K8sObject[] {
  const script =
    'import json, sys, yaml\nprint(json.dumps([d for p in sys.argv[1:] for d in yaml.safe_load_all(open(p)) if d]))';
  return JSON.parse(execFileSync('python3', ['-c', script, ...paths], { encoding: 'utf8' })) as K8sObject[];
}

function standInCertificate(dir: string): Buffer {
  const path = join(dir, 'stand-in-ca.pem');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-subj', '/CN=chart-env stand-in', '-days', '1', '-keyout', join(dir, 'stand-in.key'), '-out', path,
  ], { stdio: 'ignore' }); // prettier-ignore
  return readFileSync(path);
}

/** The container's environment, with each mounted file and each secretKeyRef replaced by a stand-in. */
function environment(container: Container, files: string, certificate: Buffer): Record<string, string> {
  const mounts = (container.volumeMounts ?? []).map((mount) => mount.mountPath.replace(/\/?$/, '/'));
  const env: Record<string, string> = {};
  for (const variable of container.env ?? []) {
    let value = variable.valueFrom !== undefined ? 'stand-in-secret' : (variable.value ?? '');
    if (mounts.some((mount) => value.startsWith(mount))) {
      const file = join(files, value);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, PEM_FILES.has(variable.name) ? certificate : 'stand-in-secret\n');
      value = file;
    }
    env[variable.name] = value;
  }
  return env;
}

/** Problems with the URLs that name a Service of this release (`<release>-...`): it must exist and serve that port. */
function serviceProblems(env: Record<string, string>, services: Map<string, number[]>, release: string): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!/^https?:\/\//.test(value)) continue;
    const url = new URL(value);
    if (!url.hostname.startsWith(`${release}-`)) continue;
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const ports = services.get(url.hostname);
    if (!ports) problems.push(`${name} names Service ${url.hostname}, which the rendering does not have`);
    else if (!ports.includes(port))
      problems.push(`${name} names port ${port} of ${url.hostname}, which serves ${ports.join(', ')}`);
  }
  return problems;
}

function main(paths: string[]): number {
  const objects = objectsOf(paths);
  const services = new Map(
    objects.filter((o) => o.kind === 'Service').map((o) => [o.metadata.name, (o.spec.ports ?? []).map((p) => p.port)]),
  );
  const work = mkdtempSync(join(tmpdir(), 'chart-env-'));
  let refused = 0;
  try {
    const certificate = standInCertificate(work);
    for (const object of objects) {
      const labels = object.metadata.labels ?? {};
      if (!POD_OWNERS.has(object.kind) || labels['app.kubernetes.io/name'] !== 'kafka-pipeline') continue;
      const containers = object.kind === 'Pod' ? object.spec.containers : object.spec.template?.spec.containers;
      const component = labels['app.kubernetes.io/component'];
      for (const container of (containers ?? []).filter((c) => c.name === component)) {
        const where = `${object.kind}/${object.metadata.name} container ${container.name}`;
        const env = environment(container, join(work, object.metadata.name), certificate);
        const problems = serviceProblems(env, services, labels['app.kubernetes.io/instance'] ?? '');
        try {
          loadConfig(env);
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          problems.push(...error.problems);
        }
        if (problems.length) refused++;
        console.log(problems.length ? `env: ${where}: ${problems.join('; ')}` : `ok   ${where}`);
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return refused ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
