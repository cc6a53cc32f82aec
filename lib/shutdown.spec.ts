import { Shutdown } from './shutdown';
import { createLogger } from './logger';

const log = createLogger({ service: 'test', level: 'silent' });

describe('Shutdown', () => {
  it('runs every step in order even when one fails, and reports it', async () => {
    const ran: string[] = [];
    const shutdown = new Shutdown(log)
      .add('stop intake', () => void ran.push('stop intake'))
      .add('flush', () => {
        ran.push('flush');
        throw new Error('broker away');
      })
      .add('close store', async () => void ran.push('close store'));
    await expect(shutdown.run('test')).resolves.toBe(false);
    expect(ran).toEqual(['stop intake', 'flush', 'close store']);
  });

  it('returns the same promise when called twice and runs steps once', async () => {
    let runs = 0;
    const shutdown = new Shutdown(log).add('count', () => void runs++);
    const first = shutdown.run('a');
    const second = shutdown.run('b');
    expect(second).toBe(first);
    await expect(first).resolves.toBe(true);
    expect(runs).toBe(1);
  });

  it('moves on from a step that hangs', async () => {
    const ran: string[] = [];
    const shutdown = new Shutdown(log, { stepTimeoutMs: 20 })
      .add('hang', () => new Promise(() => undefined))
      .add('after', () => void ran.push('after'));
    await expect(shutdown.run('test')).resolves.toBe(false);
    expect(ran).toEqual(['after']);
  });
});
