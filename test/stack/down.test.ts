/**
 * `make down` stops every process the stack started: nothing of ours is left.
 * The stack is started again afterwards so a developer's session carries on.
 */
import { execFileSync } from 'node:child_process';
import { stack, STACK_DIR } from '../../harness/stack';

/**
 * Live processes that belong to the stack: launched from its state folder or
 * its binaries. Zombies are left out, as `stack.sh down` leaves them out: they
 * have exited and hold no port or file, and a child whose parent exited first
 * waits for init to reap it, which some inits (CI's among them) do late.
 */
function ourProcesses(): string[] {
  const table = execFileSync('ps', ['-eo', 'pid=,stat=,args='], { encoding: 'utf8' });
  return table
    .split('\n')
    .filter((line) => !/^\s*\d+\s+Z/.test(line))
    .filter(
      (line) =>
        line.includes(STACK_DIR) ||
        /kafka\.Kafka|redis-server .*:6379|bin\/ferretdb|airflow|(producers|consumer|workers)\/[a-z-]+\.ts/.test(line),
    )
    .filter((line) => !line.includes('ps -eo'));
}

afterAll(async () => {
  await stack('up');
}, 180_000);

it('make down leaves no process of ours running', async () => {
  expect(ourProcesses().length).toBeGreaterThan(0); // the stack was up: the check can fail
  await stack('down');
  expect(ourProcesses()).toEqual([]);
}, 120_000);
