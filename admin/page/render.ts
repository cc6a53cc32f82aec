/**
 * One function per section of the feed (lib/live-sections.ts):
 * each replaces its part of the page with the section's current state.
 */
import type {
  DagRunsSection,
  DeadLettersSection,
  EventsSection,
  FlowSection,
  HealthSection,
  JobsSection,
  MatchesSection,
  StandingsSection,
  TopicFlow,
} from '../../lib/live-sections';
import { lineChart } from './chart';
import { clock, columnsTable, count, fill, h, rate, type Child } from './dom';

const errorNote = (section: { error?: string }) =>
  section.error ? h('p', { class: 'error', role: 'alert' }, `Not current: ${section.error}`) : null;
const stamp = (id: string, section: { at: string }) => fill(id, `read ${clock(section.at)}`);
/** Fill a section's element with `children` and its error note, and stamp when it was read (element `<id>-at`). */
const fillSection = (id: string, section: { at: string; error?: string }, ...children: Child[]) => {
  fill(id, ...children, errorNote(section));
  stamp(`${id}-at`, section);
};

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

const eventLink = (eventId: string) =>
  h(
    'a',
    {
      href: `/live/event/${encodeURIComponent(eventId)}`,
      target: '_blank',
      rel: 'noopener',
      title: `GET /events/${eventId}`,
    },
    eventId.slice(0, 13) + '…',
  );

export function renderEvents(section: EventsSection): void {
  fillSection(
    'events',
    section,
    columnsTable(
      section.events,
      [
        { header: 'stored', cell: (event) => clock(event.storedAt) },
        { header: 'topic', cell: (event) => event.topic },
        { header: 'what', cell: (event) => event.summary, class: 'summary' },
        {
          header: 'partition @ offset',
          cell: (event) => (event.kafka ? `p${event.kafka.partition} @${event.kafka.offset}` : '–'),
          class: 'num',
        },
        { header: 'GET /events/:id', cell: (event) => eventLink(event.eventId) },
      ],
      { empty: 'nothing stored yet', row: (event) => ({ 'data-event-id': event.eventId, class: event.topic }) },
    ),
  );
}

export function renderDeadLetters(section: DeadLettersSection): void {
  fillSection(
    'dead-letters',
    section,
    h('p', { class: 'big' }, h('span', { id: 'dlq-total' }, count(section.total)), ' records in the dead-letter topic'),
    columnsTable(
      section.latest,
      [
        { header: 'failed', cell: (letter) => clock(letter.failedAt) },
        { header: 'reason', cell: (letter) => letter.reason ?? '?', class: 'reason' },
        { header: 'from topic', cell: (letter) => letter.originTopic ?? '–' },
        { header: 'error', cell: (letter) => letter.error ?? '–', class: 'summary' },
        { header: 'event', cell: (letter) => (letter.eventId ? eventLink(letter.eventId) : '–') },
      ],
      { empty: 'no dead letters' },
    ),
  );
}

export function renderMatches(section: MatchesSection): void {
  fillSection(
    'matches',
    section,
    columnsTable(
      section.matches,
      [
        { header: 'kick-off', cell: (match) => clock(match.utcDate).replace(':00 UTC', ' UTC') },
        { header: 'comp.', cell: (match) => match.competition ?? '–' },
        { header: 'home', cell: (match) => match.home, class: 'team' },
        { header: 'score', cell: (match) => match.score, class: 'score num' },
        { header: 'away', cell: (match) => match.away, class: 'team' },
        {
          header: 'status',
          cell: (match) => [
            match.status,
            match.minute !== null && match.status !== 'FINISHED' ? ` ${match.minute}'` : '',
          ],
          class: 'status',
        },
      ],
      {
        empty: `no match stored for ${section.day}`,
        row: (match) => ({ 'data-match-id': match.id, class: `status-${match.status.toLowerCase()}` }),
      },
    ),
  );
}

export function renderStandings(section: StandingsSection): void {
  const tables = section.tables.map((standing) =>
    h(
      'div',
      { class: 'standing' },
      h(
        'h3',
        {},
        `${standing.competition} ${standing.season ?? ''}`,
        h(
          'small',
          {},
          ` as of ${standing.computedFor ? standing.computedFor.slice(0, 16).replace('T', ' ') + ' UTC' : '–'}`,
        ),
      ),
      columnsTable(
        standing.rows,
        [
          { header: '#', cell: (row) => row.position, class: 'num' },
          { header: 'team', cell: (row) => row.team, class: 'team' },
          { header: 'P', cell: (row) => row.played, class: 'num' },
          { header: 'W', cell: (row) => row.won, class: 'num' },
          { header: 'D', cell: (row) => row.draw, class: 'num' },
          { header: 'L', cell: (row) => row.lost, class: 'num' },
          { header: 'GD', cell: (row) => row.goalDifference, class: 'num' },
          { header: 'pts', cell: (row) => row.points, class: 'num' },
        ],
        { empty: 'no finished match yet' },
      ),
    ),
  );
  fillSection(
    'standings',
    section,
    ...(tables.length
      ? tables
      : [
          h(
            'p',
            { class: 'muted' },
            'No standings yet: the insights DAG computes them every hour from the finished matches.',
          ),
        ]),
  );
}

export function renderJobs(section: JobsSection): void {
  const counts = Object.entries(section.counts)
    .map(([state, n]) => `${state} ${n}`)
    .join(' · ');
  fillSection(
    'jobs',
    section,
    h('p', { class: 'muted' }, counts || '–'),
    columnsTable(
      section.jobs,
      [
        { header: 'added', cell: (job) => clock(job.timestamp) },
        {
          header: 'job',
          cell: (job) => h('a', { href: `${section.dashboardUrl}`, target: '_blank', rel: 'noopener' }, `#${job.id}`),
        },
        { header: 'name', cell: (job) => job.name },
        { header: 'state', cell: (job) => job.state, class: 'state' },
        { header: 'progress', cell: (job) => job.failedReason ?? job.progress ?? '–', class: 'summary' },
        { header: 'DAG run', cell: (job) => job.runId ?? '–', class: 'summary' },
      ],
      { empty: 'no jobs', row: (job) => ({ class: `job-${job.state}` }) },
    ),
  );
}

export function renderDagRuns(section: DagRunsSection): void {
  const link = document.getElementById('airflow-link') as HTMLAnchorElement | null;
  if (link) link.href = section.airflowUrl;
  if (!section.configured) {
    fill(
      'dag-runs',
      h(
        'p',
        { class: 'muted' },
        'Set LIVE_AIRFLOW_PASSWORDS_FILE for the admin server to list the DAG runs here; they are in ',
        h('a', { href: section.airflowUrl, target: '_blank', rel: 'noopener' }, 'the Airflow UI'),
        '.',
      ),
    );
    stamp('dag-runs-at', section);
    return;
  }
  fillSection(
    'dag-runs',
    section,
    columnsTable(
      section.runs,
      [
        { header: 'run after', cell: (run) => clock(run.runAfter) },
        { header: 'DAG', cell: (run) => run.dagId },
        {
          header: 'run',
          cell: (run) => h('a', { href: run.url, target: '_blank', rel: 'noopener' }, run.runId),
          class: 'summary',
        },
        { header: 'state', cell: (run) => run.state, class: 'state' },
        { header: 'ended', cell: (run) => clock(run.endDate) },
      ],
      { empty: 'no DAG runs yet', row: (run) => ({ class: `run-${run.state}` }) },
    ),
  );
}
