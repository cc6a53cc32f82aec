/**
 * One function per section of the feed (lib/live-sections.ts):
 * each replaces its part of the page with the section's current state.
 * Here the services' health and the flow (topics, rates, lag, the chart);
 * the sections that are lists are in render-lists.ts.
 */
import type { FlowSection, HealthSection, TopicFlow } from '../../lib/live-sections';
import { lineChart } from './chart';
import { columnsTable, count, errorNote, fill, h, rate, stamp } from './dom';

export function renderHealth(section: HealthSection): void {
  const bad = section.services.filter((service) => service.state === 'down' || service.state === 'degraded');
  const banner = document.getElementById('banner')!;
  banner.hidden = bad.length === 0;
  banner.replaceChildren(
    ...(bad.length
      ? [
          h('strong', {}, bad.length === 1 ? '1 service is not well: ' : `${bad.length} services are not well: `),
          ...bad.map((service) =>
            h(
              'span',
              { class: `bad ${service.state}`, 'data-service': service.name },
              `${service.name} ${service.state} (${service.detail})`,
            ),
          ),
        ]
      : []),
  );
  fill(
    'health',
    h(
      'ul',
      { class: 'services' },
      ...section.services.map((service) =>
        h(
          'li',
          {
            class: `service ${service.state}`,
            'data-service': service.name,
            'data-state': service.state,
            title: service.detail,
          },
          h('span', { class: 'dot', 'aria-hidden': 'true' }),
          service.url ? h('a', { href: service.url, target: '_blank', rel: 'noopener' }, service.name) : service.name,
          h('span', { class: 'state' }, service.state),
          h('small', {}, service.detail),
        ),
      ),
    ),
  );
  stamp('health-at', section);
}

function topicBox(topic: TopicFlow | undefined, fallback: string) {
  if (!topic) return h('div', { class: 'node topic' }, h('b', {}, fallback), h('small', {}, 'not read yet'));
  return h(
    'div',
    { class: `node topic ${topic.role}`, 'data-topic': topic.role },
    h('b', {}, topic.topic),
    h('span', { class: 'figure', 'data-rate': topic.role }, `${rate(topic.ratePerSec)} events/s`),
    h('small', {}, `${topic.partitions.length} partitions · ${count(topic.records)} records`),
  );
}

export function renderFlow(section: FlowSection): void {
  const byRole = (role: TopicFlow['role']) => section.topics.find((topic) => topic.role === role);
  const lag = section.topics.reduce((sum, topic) => sum + (topic.lag ?? 0), 0);
  const dlq = byRole('dlq');
  fill(
    'flow-diagram',
    h(
      'div',
      { class: 'flow' },
      h(
        'div',
        { class: 'column', 'aria-label': 'sources' },
        h('h3', {}, 'sources'),
        h('div', { class: 'node source' }, h('b', {}, 'API :5000'), h('small', {}, 'GET /somedata/:term')),
        h(
          'div',
          { class: 'node source' },
          h('b', {}, 'football feed'),
          h('small', {}, 'workers → GET /footdata (simulator or football-data.org)'),
        ),
      ),
      h('div', { class: 'arrow', 'aria-hidden': 'true' }),
      h(
        'div',
        { class: 'column', 'aria-label': 'topics' },
        h('h3', {}, 'Kafka topics'),
        topicBox(byRole('somedata'), 'somedata'),
        topicBox(byRole('footdata'), 'footdata'),
      ),
      h('div', { class: 'arrow', 'aria-hidden': 'true' }),
      h(
        'div',
        { class: 'column', 'aria-label': 'consumer' },
        h('h3', {}, 'consumer'),
        h(
          'div',
          { class: `node consumer ${section.group.members ? '' : 'idle'}` },
          h('b', {}, `group ${section.group.id}`),
          h('span', { class: 'figure' }, 'lag ', h('span', { id: 'lag-total' }, count(lag)), ' records'),
          h(
            'small',
            {},
            `${section.group.members} member${section.group.members === 1 ? '' : 's'} · ${section.group.state}`,
          ),
        ),
        h(
          'div',
          { class: 'node dlq', 'data-topic': 'dlq' },
          h('b', {}, dlq?.topic ?? 'dead letters'),
          h('span', { class: 'figure' }, `${count(dlq?.records)} dead letters`),
          h('small', {}, `${rate(dlq?.ratePerSec)} /s`),
        ),
      ),
      h('div', { class: 'arrow', 'aria-hidden': 'true' }),
      h(
        'div',
        { class: 'column', 'aria-label': 'collections' },
        h('h3', {}, 'MongoDB collections'),
        h(
          'div',
          { class: 'node collection' },
          h('b', {}, section.collections.somedata),
          h('small', {}, 'insert by eventId'),
        ),
        h(
          'div',
          { class: 'node collection' },
          h('b', {}, section.collections.footdata),
          h('small', {}, 'latest state per match'),
        ),
      ),
    ),
    errorNote(section),
  );
  const partitions = section.topics.flatMap((topic) => topic.partitions.map((offsets) => ({ topic, offsets })));
  fill(
    'partitions',
    columnsTable(
      partitions,
      [
        { header: 'topic', cell: (p) => p.topic.topic },
        { header: 'partition', cell: (p) => p.offsets.partition, class: 'num' },
        { header: 'end offset', cell: (p) => count(p.offsets.end), class: 'num' },
        {
          header: 'committed offset',
          cell: (p) => (p.topic.role === 'dlq' ? '–' : count(p.offsets.committed)),
          class: 'num',
        },
        { header: 'lag (records)', cell: (p) => (p.topic.role === 'dlq' ? '–' : count(p.offsets.lag)), class: 'num' },
      ],
      { empty: 'no partitions read yet' },
    ),
  );
  const history = section.history;
  const step = history.length > 1 ? (history.at(-1)!.t - history[0]!.t) / 1000 / (history.length - 1) : 1;
  const rates = document.getElementById('rate-chart');
  if (rates)
    lineChart(
      rates,
      [
        { label: 'somedata', className: 's-somedata', values: history.map((p) => p.somedata) },
        { label: 'footdata', className: 's-footdata', values: history.map((p) => p.footdata) },
        { label: 'dead letters', className: 's-dlq', values: history.map((p) => p.dlq) },
      ],
      { unit: 'events/s', stepSec: step, title: 'Records appended per second, per topic' },
    );
  const lagChart = document.getElementById('lag-chart');
  if (lagChart)
    lineChart(lagChart, [{ label: 'lag', className: 's-lag', values: history.map((p) => p.lag) }], {
      unit: 'records',
      stepSec: step,
      title: "The sink group's lag",
    });
  stamp('flow-at', section);
}
