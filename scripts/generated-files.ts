/** What the generators (scripts/contracts.ts, scripts/deploy-values.ts) share: writing their files under a folder. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Writes each `path -> text` of `files` under `dir`, creating folders; returns the paths written. */
export function writeGeneratedFiles(dir: string, files: Map<string, string>): string[] {
  for (const [path, text] of files) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return [...files.keys()];
}
