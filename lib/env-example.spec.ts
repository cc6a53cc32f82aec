import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV_VARIABLES } from './config';

it('.env.example lists every variable the config module reads', () => {
  // Past the compose-only marker come variables read by docker compose, not by the services.
  const text = readFileSync(join(__dirname, '..', '.env.example'), 'utf8').split('# === docker compose only')[0]!;
  const listed = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]);
  expect(listed.sort()).toEqual([...ENV_VARIABLES].sort());
});
