/**
 * The live page's feed: the current state of each section and the Server-Sent
 * Events that carry it. Every message is one section's whole current state,
 * numbered by a sequence that grows with each change (`<boot>.<seq>`, the SSE
 * id): a page that reconnects with Last-Event-ID gets the sections that changed
 * since, a page of an earlier process (another boot) gets them all.
 */
import { randomBytes } from 'node:crypto';
import { describeError } from '../../../lib/errors';
import type { SectionName, Sections } from '../../../lib/live-sections';

export type Listener = (message: string) => void;

interface Stored {
  seq: number;
  json: string;
  /** The JSON without `at`: what decides whether a section changed. */
  key: string;
}

export class SectionFeed {
  /** Changes with each process: ids of an earlier boot mean "send everything". */
  readonly boot = randomBytes(4).toString('hex');
  /** The open pages, each sent every change. */
  readonly listeners = new Set<Listener>();
  private seq = 0;
  private readonly sections = new Map<SectionName, Stored>();

  /** The current state as SSE messages: every section, or those changed after `lastEventId` of this boot. */
  snapshot(lastEventId?: string): string[] {
    const [boot, seqText] = (lastEventId ?? '').split('.');
    const since = boot === this.boot && /^\d+$/.test(seqText ?? '') ? Number(seqText) : -1;
    return [...this.sections.entries()]
      .filter(([, stored]) => stored.seq > since)
      .sort(([, a], [, b]) => a.seq - b.seq)
      .map(([name, stored]) => this.message(name, stored));
  }

  /** The last data published for `name`, if any. */
  last<K extends SectionName>(name: K): Sections[K] | undefined {
    const stored = this.sections.get(name);
    return stored ? (JSON.parse(stored.json) as Sections[K]) : undefined;
  }

  private message(name: SectionName, stored: Stored): string {
    return `id: ${this.boot}.${stored.seq}\nevent: ${name}\ndata: ${stored.json}\n\n`;
  }

  /** Store `data` as the section's state and send it to every page, unless only its `at` changed. */
  publish<K extends SectionName>(name: K, data: Sections[K]): void {
    const { at: _at, ...rest } = data;
    const key = JSON.stringify(rest);
    if (this.sections.get(name)?.key === key) return;
    const stored = { seq: ++this.seq, json: JSON.stringify(data), key };
    this.sections.set(name, stored);
    const message = this.message(name, stored);
    for (const listener of this.listeners) listener(message);
  }

  /** The last good data of a section with `error` set, or `empty` when there is none yet. */
  failed<K extends SectionName>(name: K, empty: Sections[K], error: unknown): void {
    const base = this.last(name) ?? empty;
    this.publish(name, { ...base, at: new Date().toISOString(), error: describeError(error) });
  }
}
