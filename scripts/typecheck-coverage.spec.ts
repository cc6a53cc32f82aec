/**
 * `npm run typecheck` covers every TypeScript file of the repository: each one
 * is in the program of one of the tsconfigs the script passes to tsc (the root
 * one, and the live page's with the DOM). A file no program lists is never
 * type-checked, however wrong it is; a tsconfig that inherits the root's
 * `exclude` of its own folder checks nothing of it.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const REPO = join(__dirname, '..');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
const SKIPPED = new Set(['node_modules', 'dist', 'coverage', 'test-artifacts']);

/** Every .ts file under `dir`, outside dot-folders and build output. */
function typeScriptFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || SKIPPED.has(entry.name)) return [];
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return typeScriptFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [relative(REPO, path)] : [];
  });
}

/** The tsconfigs `npm run typecheck` runs tsc with: the root one, and each `-p <dir>`. */
function typecheckProjects(): string[] {
  const script = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts.typecheck!;
  return ['.', ...[...script.matchAll(/-p\s+(\S+)/g)].map((match) => match[1]!)];
}

function programFiles(project: string): string[] {
  const run = spawnSync(process.execPath, [TSC, '--listFilesOnly', '-p', project], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (run.status !== 0) throw new Error(`tsc --listFilesOnly -p ${project} failed: ${run.stdout}${run.stderr}`);
  return run.stdout
    .split('\n')
    .filter((line) => line && !line.includes('/node_modules/'))
    .map((line) => relative(REPO, line.trim()));
}

describe('npm run typecheck', () => {
  it('type-checks every TypeScript file of the repository, the live page included', () => {
    const projects = typecheckProjects();
    expect(projects).toContain('admin/page');
    const checked = new Set(projects.flatMap(programFiles));
    const files = typeScriptFiles(REPO);
    expect(files).toContain('admin/page/main.ts');
    expect(files.filter((file) => !checked.has(file))).toEqual([]);
  });
});
