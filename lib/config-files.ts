/**
 * What lib/config.ts reads from files at start-up (Docker and Kubernetes
 * secrets, `.stack/` files): a password, or a PEM bundle of CA certificates.
 * Each failure is a ConfigError naming the variable, never the file's content.
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { ConfigError } from './errors';

/** Fail the configuration with its problems, each worded `VARIABLE: what is wrong`. */
export function configProblems(problems: string[]): never {
  throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`, problems);
}

export function configProblem(problem: string): never {
  configProblems([problem]);
}

function readSetting(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    configProblem(`${variable}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** The secret in the file `variable` names (trimmed, as lib/mongo.ts reads MONGO_PASSWORD_FILE), if it names one. */
export function secretFromFile(variable: string, path: string): string;
export function secretFromFile(variable: string, path: string | undefined): string | undefined;
export function secretFromFile(variable: string, path: string | undefined): string | undefined {
  if (!path) return undefined;
  const secret = readSetting(variable, path).trim();
  if (!secret) configProblem(`${variable}: ${path} is empty; write the password into it`);
  return secret;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g;
/** A CA bundle is a few certificates; a file far larger is not one (and is not read into every client). */
const MAX_PEM_BYTES = 1024 * 1024;

/**
 * The PEM text of the file `variable` names: one or more certificates, each
 * one parsed (a truncated or corrupted block fails here, at start-up, rather
 * than at the first TLS handshake). Text outside the blocks is dropped.
 */
export function pemFromFile(variable: string, path: string): string {
  const text = readSetting(variable, path);
  if (text.length > MAX_PEM_BYTES) configProblem(`${variable}: ${path} is over 1 MiB; expected a PEM CA bundle`);
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) {
    configProblem(`${variable}: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  }
  certificates.forEach((certificate, index) => {
    try {
      new X509Certificate(certificate);
    } catch {
      configProblem(`${variable}: certificate ${index + 1} in ${path} is not a valid X.509 certificate`);
    }
  });
  return `${certificates.join('\n')}\n`;
}
