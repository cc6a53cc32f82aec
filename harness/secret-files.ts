/**
 * A folder of secret files for the specs of the config (mode 600, as a Docker
 * secret or `.stack/` holds them), made before the calling file's tests and
 * removed after them.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SecretFiles {
  /** Writes `content` to the file `name` of the folder; its path. */
  file(name: string, content: string): string;
  /** The path of `name` in the folder, written or not. */
  path(name: string): string;
}

export function secretFilesFolder(prefix: string): SecretFiles {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const path = (name: string) => join(dir, name);
  return {
    path,
    file(name, content) {
      writeFileSync(path(name), content);
      chmodSync(path(name), 0o600);
      return path(name);
    },
  };
}
