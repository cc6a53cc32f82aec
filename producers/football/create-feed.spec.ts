import { Writable } from 'node:stream';
import { loadConfig } from '../../lib/config';
import { createLogger } from '../../lib/logger';
import { createFootdataFeed } from './create-feed';

function capturedLog() {
  const lines: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: createLogger({ service: 'test', level: 'info', destination }), lines };
}

describe('createFootdataFeed', () => {
  it('without FOOT_TOKEN serves the simulator and warns at start-up', async () => {
    const { log, lines } = capturedLog();
    const feed = createFootdataFeed(loadConfig({}).football, log);
    expect(feed.sourceName).toBe('simulator');
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 40, msg: expect.stringMatching(/FOOT_TOKEN is not set/) }),
    );
    expect((await feed.get()).body.source).toBe('simulator');
  });

  it('with FOOT_TOKEN uses football-data.org, and never logs the token', () => {
    const { log, lines } = capturedLog();
    const feed = createFootdataFeed(loadConfig({ FOOT_TOKEN: 'sekrit-token-123' }).football, log);
    expect(feed.sourceName).toBe('football-data.org');
    expect(JSON.stringify(lines)).not.toContain('sekrit-token-123');
  });
});
