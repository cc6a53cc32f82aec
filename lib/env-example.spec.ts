import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_VARIABLES } from './config';

it('.env.example lists every variable the config module reads', () => {
  const text = readFileSync(join(__dirname, '..', '.env.example'), 'utf8');
  const listed = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
  expect(listed.sort()).toEqual([...ENV_VARIABLES].sort());
});
