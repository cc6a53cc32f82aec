/**
 * Tests that look at, stop or restart the services of the local stack go
 * through infra/stack.sh, exactly as a person would.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const REPO_DIR = join(__dirname, '..');
export const STACK_DIR = process.env.STACK_DIR ?? join(REPO_DIR, '.stack');

export async function stack(...args: string[]): Promise<string> {
  const { stdout } = await run('bash', [join(REPO_DIR, 'infra', 'stack.sh'), ...args], {
    cwd: REPO_DIR,
    timeout: 180_000,
    maxBuffer: 10 * 1024 * 1024,
  });
  return stdout;
}

/** Run one of Apache Kafka's own command-line tools from the jars `make up` resolved. */
export async function kafkaTool(mainClass: string, ...args: string[]): Promise<string> {
  const { stdout } = await run('java', ['-Xmx256m', '-cp', join(STACK_DIR, 'kafka', 'libs', '*'), mainClass, ...args], {
    timeout: 60_000,
    maxBuffer: 10 * 1024 * 1024,
  });
  return stdout;
}
