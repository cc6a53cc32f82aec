import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildContracts, CONTRACTS_DIR, listFiles } from './contracts';

describe('contracts/', () => {
  const wanted = buildContracts();

  it('holds exactly the files the TypeScript definitions emit (else run `npm run contracts`)', () => {
    expect(listFiles(CONTRACTS_DIR).sort()).toEqual([...wanted.keys()].sort());
  });

  it.each([...wanted.keys()])('%s is what the TypeScript definitions emit (else run `npm run contracts`)', (path) => {
    expect(readFileSync(join(CONTRACTS_DIR, path), 'utf8')).toBe(wanted.get(path));
  });

  it('carries the run-id rule in ASCII terms, so Python reads it as JavaScript does', () => {
    const runId = JSON.parse(wanted.get('run-id.schema.json')!) as { pattern: string; maxLength: number };
    expect(runId.pattern).not.toMatch(/\\[wdsWDS]/);
    expect(new RegExp(runId.pattern).test('manual__café')).toBe(false);
    expect(new RegExp(runId.pattern).test('manual__2026-11-24T10:00:00+00:00')).toBe(true);
    expect(runId.maxLength).toBe(250);
  });
});
