/**
 * The live page: lays out the sections, opens one Server-Sent Events stream
 * (/live/events) and renders each section as it arrives. EventSource
 * reconnects by itself and sends the last id it got (Last-Event-ID), so the
 * server sends only what changed meanwhile.
 */
import type { SectionName, Sections } from '../../lib/live-sections';
import { h } from './dom';
import {
  renderDagRuns,
  renderDeadLetters,
  renderEvents,
  renderJobs,
  renderMatches,
  renderStandings,
} from './render-lists';
import { renderFlow, renderHealth } from './render';

const RENDER: { [K in SectionName]: (section: Sections[K]) => void } = {
  health: renderHealth,
  flow: renderFlow,
  events: renderEvents,
  deadLetters: renderDeadLetters,
  matches: renderMatches,
  standings: renderStandings,
  jobs: renderJobs,
  dagRuns: renderDagRuns,
};

function panel(id: string, title: string, wide = false, ...extra: Node[]) {
  return h(
    'section',
    { class: `panel${wide ? ' wide' : ''}`, 'data-section': id, 'aria-labelledby': `${id}-title` },
    h('header', {}, h('h2', { id: `${id}-title` }, title), h('span', { class: 'at', id: `${id}-at` }, 'waiting…')),
    ...extra,
    h('div', { id }),
  );
}

function layout(): void {
  const app = document.getElementById('app')!;
  app.replaceChildren(
    h(
      'header',
      { class: 'top' },
      h('h1', {}, 'kafka-pipeline ', h('span', { class: 'muted' }, 'live')),
      h('span', { id: 'connection', class: 'connection connecting' }, 'connecting…'),
      h(
        'nav',
        {},
        h('a', { href: '/admin/queues', target: '_blank', rel: 'noopener' }, 'BullMQ dashboard'),
        h('a', { id: 'airflow-link', href: '#', target: '_blank', rel: 'noopener' }, 'Airflow'),
      ),
    ),
    h('div', { id: 'banner', class: 'banner', role: 'alert', hidden: true }),
    h(
      'main',
      {},
      panel('health', 'Services (/readyz)', true),
      h(
        'section',
        { class: 'panel wide', 'data-section': 'flow', 'aria-labelledby': 'flow-title' },
        h(
          'header',
          {},
          h('h2', { id: 'flow-title' }, 'The stream: sources → topics → consumer → collections'),
          h('span', { class: 'at', id: 'flow-at' }, 'waiting…'),
        ),
        h('div', { id: 'flow-diagram' }),
        h(
          'div',
          { class: 'charts' },
          h(
            'figure',
            {},
            h('figcaption', {}, 'Records appended per topic (events/s)'),
            h('div', { id: 'rate-chart', class: 'chart' }),
          ),
          h(
            'figure',
            {},
            h('figcaption', {}, 'Consumer group lag (records)'),
            h('div', { id: 'lag-chart', class: 'chart' }),
          ),
        ),
        h(
          'details',
          { open: true },
          h('summary', {}, 'Offsets per partition'),
          h('div', { id: 'partitions', class: 'scroll' }),
        ),
      ),
      panel('events', 'Latest events stored'),
      panel('dead-letters', 'Dead letters'),
      panel('matches', "Today's matches (live scores)"),
      panel('standings', 'Standings'),
      panel('jobs', 'BullMQ jobs'),
      panel('dag-runs', 'Airflow DAG runs'),
    ),
  );
}

function connect(): void {
  const status = document.getElementById('connection')!;
  const banner = document.getElementById('banner')!;
  const source = new EventSource('/live/events');
  source.onopen = () => {
    status.textContent = 'live';
    status.className = 'connection live';
    banner.classList.remove('disconnected');
  };
  source.onerror = () => {
    // EventSource tries again by itself (retry: 1 s) with Last-Event-ID.
    status.textContent = 'reconnecting…';
    status.className = 'connection lost';
  };
  for (const name of Object.keys(RENDER) as SectionName[])
    source.addEventListener(name, (event) => {
      const render = RENDER[name] as (section: unknown) => void;
      render(JSON.parse((event as MessageEvent<string>).data));
    });
}

layout();
connect();
