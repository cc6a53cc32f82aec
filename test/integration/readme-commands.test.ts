/**
 * Every shell command of the README's "Run it", "What you will see" and
 * "Insights and the read API" sections runs against the stack as a reader
 * would type it, in one bash session from the repository (a variable one
 * block sets, like $TOKEN, is there for the next): each must exit 0 and print
 * what its block's `<!-- readme-test -->` annotation says (test/support/readme-commands.ts).
 * A README command that breaks fails this test, and so `make test`; a block
 * the test cannot run (no annotation) fails it too: both are shown below on
 * copies of the README with one thing broken.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { airflowClient, waitForDagRun } from '../../harness/airflow';
import { readmeCommands, runCommands, verdict, type CommandResult } from '../../harness/readme-commands';
import { REPO_DIR } from '../../harness/stack';

jest.setTimeout(300_000);

const SECTIONS = ['Run it', 'What you will see', 'Insights and the read API'] as const;
const README = readFileSync(join(REPO_DIR, 'README.md'), 'utf8');

describe("the README's commands", () => {
  let results: CommandResult[] = [];
  beforeAll(() => {
    const { commands } = readmeCommands(README, SECTIONS);
    results = runCommands(commands, REPO_DIR, 240_000);
  });

  // What the README starts in Airflow is its example, not this test's work: the DAG run is let
  // finish (so no later test waits behind it), the backfill is cancelled.
  afterAll(async () => {
    const output = (text: string) => results.find((result) => result.command.text.includes(text))?.stdout ?? '';
    const client = await airflowClient();
    const runId = /"dag_run_id":\s*"([^"]+)"/.exec(output('/dags/kafka_pipeline/dagRuns'))?.[1];
    if (runId) await waitForDagRun(client, 'kafka_pipeline', runId, 180_000);
    const backfill = /"id":\s*(\d+)/.exec(output('/api/v2/backfills -H'))?.[1];
    if (backfill) await client.call('PUT', `/api/v2/backfills/${backfill}/cancel`).catch(() => undefined);
  });

  it('every block of the three sections is annotated, one expectation per command', () => {
    const { commands, problems } = readmeCommands(README, SECTIONS);
    expect(problems).toEqual([]);
    // The sections hold these at least: make up, the API, the jobs, the DAG trigger, the read API, a backfill.
    expect(commands.length).toBeGreaterThanOrEqual(15);
  });

  it('each one exits 0 and prints what its annotation says', () => {
    expect(results.length).toBeGreaterThan(0);
    expect(results.map(verdict).filter(Boolean)).toEqual([]);
  });
});

describe('the README check bites', () => {
  it('flags a bash block that has no annotation: a command nobody runs is not passed over', () => {
    const block = README.indexOf("```bash\ncurl -s '127.0.0.1:5001/matches");
    const annotation = README.lastIndexOf('<!-- readme-test', block);
    const unannotated = README.slice(0, annotation) + README.slice(block);
    expect(unannotated).not.toBe(README);
    const { problems } = readmeCommands(unannotated, SECTIONS);
    expect(problems).toEqual([expect.stringMatching(/\(Insights and the read API\): a bash block without/)]);
  });

  it('flags a block whose annotation has a line too few, and a renamed section', () => {
    const { problems } = readmeCommands(
      README.replace('/"dag_runs":\\s*\\[/\n', '').replace('## What you will see', '## What you see'),
      SECTIONS,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/2 commands but 1 annotation lines/),
        'README.md has no section "## What you will see"',
      ]),
    );
  });

  it('fails a broken command: a misspelt npm script exits non-zero, a wrong route prints another shape', () => {
    const broken = README.replace('npm run job -- footdata', 'npm run jobs -- footdata').replace(
      'curl -s 127.0.0.1:5001/standings/PL',
      'curl -s 127.0.0.1:5001/standing/PL',
    );
    const { commands, problems } = readmeCommands(broken, SECTIONS);
    expect(problems).toEqual([]);
    const picked = commands.filter((command) => /npm run jobs|\/standing\/PL/.test(command.text));
    expect(picked).toHaveLength(2);
    const failures = runCommands(picked, REPO_DIR, 60_000).map(verdict);
    expect(failures).toEqual([
      expect.stringMatching(/`npm run jobs -- footdata .*` exited [1-9]/),
      expect.stringMatching(/`curl -s 127\.0\.0\.1:5001\/standing\/PL .*` printed .*no route for GET \/standing\/PL/),
    ]);
  });
});
