/**
 * The README's shell commands, as a reader would type them. `readmeCommands`
 * takes the ```bash blocks of the named `## ` sections (their `###`
 * subsections included) and splits each into commands (a command goes on over
 * a trailing `\` or an unclosed quote: `bash -n` says when it is whole). Each
 * block must follow an annotation naming, one line per command, what its
 * output must look like:
 *
 *   <!-- readme-test
 *   /^\{"items":\[/          a regular expression its stdout must match
 *   skip: why                 not run (the reason is reported)
 *   -->
 *
 * A block without one, or whose lines do not match its commands one to one, is a problem
 * reported by name and line: a command nobody can run is flagged, never
 * passed over. `runCommands` runs them one after another in one bash session
 * (a variable one command sets is there for the next, as in a terminal) and
 * returns each one's exit status and output.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ReadmeCommand {
  /** The command as written (continuation lines included). */
  text: string;
  /** 1-based line of the README where it starts. */
  line: number;
  section: string;
  expect: { match: RegExp } | { skip: string };
}

export interface Extracted {
  commands: ReadmeCommand[];
  /** Blocks the test cannot run as they stand: no annotation, a count that differs, a bad line. */
  problems: string[];
}

const ANNOTATION = /^<!-- readme-test\b/;

/** Whether bash sees `text` as whole commands (no open quote, no trailing `\`). */
function complete(text: string): boolean {
  if (/\\$/.test(text)) return false;
  return spawnSync('bash', ['-n', '-c', text], { stdio: 'ignore' }).status === 0;
}

function parseExpectation(line: string): ReadmeCommand['expect'] | undefined {
  const skip = /^skip: (.+)$/.exec(line);
  if (skip) return { skip: skip[1]! };
  const regex = /^\/(.*)\/([gimsuy]*)$/.exec(line);
  if (!regex) return undefined;
  try {
    return { match: new RegExp(regex[1]!, regex[2]!) };
  } catch {
    return undefined;
  }
}

export function readmeCommands(markdown: string, sections: readonly string[]): Extracted {
  const lines = markdown.split('\n');
  const commands: ReadmeCommand[] = [];
  const problems: string[] = [];
  const seen = new Set<string>();
  let section = '';
  let annotation: string[] | undefined;
  let annotationOpen = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (annotationOpen) {
      if (line.trim() === '-->') annotationOpen = false;
      else annotation!.push(line.trim());
      continue;
    }
    const heading = /^## (.+)$/.exec(line);
    if (heading) {
      section = heading[1]!.trim();
      if (sections.includes(section)) seen.add(section);
      continue;
    }
    if (ANNOTATION.test(line)) {
      annotation = [];
      annotationOpen = true;
      continue;
    }
    if (!/^```(bash|sh|shell)\s*$/.test(line)) {
      if (line.trim() !== '') annotation = undefined;
      continue;
    }
    const start = i + 1;
    const body: { text: string; line: number }[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push({ text: lines[i]!, line: i + 1 });
    const expectations = annotation;
    annotation = undefined;
    if (!sections.includes(section)) continue;
    const where = `README.md:${start} (${section})`;
    const split: { text: string; line: number }[] = [];
    let pending: { text: string; line: number } | undefined;
    for (const { text, line: at } of body) {
      if (!pending && (text.trim() === '' || text.trim().startsWith('#'))) continue;
      pending = pending ? { text: `${pending.text}\n${text}`, line: pending.line } : { text, line: at };
      if (complete(pending.text)) {
        split.push(pending);
        pending = undefined;
      }
    }
    if (pending) problems.push(`${where}: the command at line ${pending.line} never ends (an open quote?)`);
    if (!expectations) {
      problems.push(`${where}: a bash block without a <!-- readme-test --> annotation (one line per command)`);
      continue;
    }
    if (expectations.length !== split.length) {
      problems.push(`${where}: ${split.length} commands but ${expectations.length} annotation lines`);
      continue;
    }
    split.forEach((command, n) => {
      const expect = parseExpectation(expectations[n]!);
      if (!expect) problems.push(`${where}: annotation line "${expectations[n]}" is neither /regex/ nor "skip: why"`);
      else commands.push({ ...command, section, expect });
    });
  }
  for (const wanted of sections) if (!seen.has(wanted)) problems.push(`README.md has no section "## ${wanted}"`);
  return { commands, problems };
}

export interface CommandResult {
  command: ReadmeCommand;
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the commands (the skipped ones left out) in one bash session from
 * `cwd`, with pipefail (a pipe fails when a stage does); each one's output
 * goes to files of its own, so what one prints is never mixed with the next.
 */
export function runCommands(commands: ReadmeCommand[], cwd: string, timeoutMs: number): CommandResult[] {
  const runnable = commands.filter((command) => 'match' in command.expect);
  const dir = mkdtempSync(join(tmpdir(), 'readme-commands-'));
  try {
    const script = ['set -o pipefail'];
    runnable.forEach((command, n) => {
      script.push(`{\n${command.text}\n} >"${dir}/${n}.out" 2>"${dir}/${n}.err" </dev/null; echo $? >"${dir}/${n}.rc"`);
    });
    writeFileSync(join(dir, 'script.sh'), `${script.join('\n')}\n`);
    // A command that ends the shell (`exit`) leaves the rest without a status: each reports -1.
    const run = spawnSync('bash', [join(dir, 'script.sh')], { cwd, timeout: timeoutMs, stdio: 'ignore' });
    if (run.error) throw run.error;
    return runnable.map((command, n) => {
      const read = (ext: string): string => {
        try {
          return readFileSync(join(dir, `${n}.${ext}`), 'utf8');
        } catch {
          return '';
        }
      };
      const rc = read('rc').trim();
      return { command, status: rc === '' ? -1 : Number(rc), stdout: read('out').trim(), stderr: read('err').trim() };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What is wrong with one result: a non-zero exit, or output of another shape; undefined when right. */
export function verdict({ command, status, stdout, stderr }: CommandResult): string | undefined {
  const where = `README.md:${command.line} \`${command.text.split('\n')[0]}\``;
  if (status !== 0) return `${where} exited ${status}: ${(stderr || stdout).slice(-500)}`;
  if ('match' in command.expect && !command.expect.match.test(stdout))
    return `${where} printed ${JSON.stringify(stdout.slice(0, 500))}, not ${command.expect.match}`;
  return undefined;
}
