/**
 * One function per section of the feed (workers/admin/live/sections.ts):
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
} from '../workers/admin/live/sections';
import { lineChart } from './chart';
import { clock, count, fill, h, rate, table } from './dom';

const errorNote = (section: { error?: string }) =>
  section.error ? h('p', { class: 'error', role: 'alert' }, `Not current: ${section.error}`) : null;
const stamp = (id: string, section: { at: string }) => fill(id, `read ${clock(section.at)}`);

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
  const rows = section.topics.flatMap((topic) =>
    topic.partitions.map((p) =>
      h(
        'tr',
        {},
        h('td', {}, topic.topic),
        h('td', { class: 'num' }, p.partition),
        h('td', { class: 'num' }, count(p.end)),
        h('td', { class: 'num' }, topic.role === 'dlq' ? '–' : count(p.committed)),
        h('td', { class: 'num' }, topic.role === 'dlq' ? '–' : count(p.lag)),
      ),
    ),
  );
  fill(
    'partitions',
    table(['topic', 'partition', 'end offset', 'committed offset', 'lag (records)'], rows, 'no partitions read yet'),
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
  const rows = section.events.map((event) =>
    h(
      'tr',
      { 'data-event-id': event.eventId, class: event.topic },
      h('td', {}, clock(event.storedAt)),
      h('td', {}, event.topic),
      h('td', { class: 'summary' }, event.summary),
      h('td', { class: 'num' }, event.kafka ? `p${event.kafka.partition} @${event.kafka.offset}` : '–'),
      h('td', {}, eventLink(event.eventId)),
    ),
  );
  fill(
    'events',
    table(['stored', 'topic', 'what', 'partition @ offset', 'GET /events/:id'], rows, 'nothing stored yet'),
    errorNote(section),
  );
  stamp('events-at', section);
}

export function renderDeadLetters(section: DeadLettersSection): void {
  const rows = section.latest.map((letter) =>
    h(
      'tr',
      {},
      h('td', {}, clock(letter.failedAt)),
      h('td', { class: 'reason' }, letter.reason ?? '?'),
      h('td', {}, letter.originTopic ?? '–'),
      h('td', { class: 'summary' }, letter.error ?? '–'),
      h('td', {}, letter.eventId ? eventLink(letter.eventId) : '–'),
    ),
  );
  fill(
    'dead-letters',
    h('p', { class: 'big' }, h('span', { id: 'dlq-total' }, count(section.total)), ' records in the dead-letter topic'),
    table(['failed', 'reason', 'from topic', 'error', 'event'], rows, 'no dead letters'),
    errorNote(section),
  );
  stamp('dead-letters-at', section);
}

export function renderMatches(section: MatchesSection): void {
  const rows = section.matches.map((match) =>
    h(
      'tr',
      { 'data-match-id': match.id, class: `status-${match.status.toLowerCase()}` },
      h('td', {}, clock(match.utcDate).replace(':00 UTC', ' UTC')),
      h('td', {}, match.competition ?? '–'),
      h('td', { class: 'team' }, match.home),
      h('td', { class: 'score num' }, match.score),
      h('td', { class: 'team' }, match.away),
      h(
        'td',
        { class: 'status' },
        match.status,
        match.minute !== null && match.status !== 'FINISHED' ? ` ${match.minute}'` : '',
      ),
    ),
  );
  fill(
    'matches',
    table(['kick-off', 'comp.', 'home', 'score', 'away', 'status'], rows, `no match stored for ${section.day}`),
    errorNote(section),
  );
  stamp('matches-at', section);
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
      table(
        ['#', 'team', 'P', 'W', 'D', 'L', 'GD', 'pts'],
        standing.rows.map((row) =>
          h(
            'tr',
            {},
            h('td', { class: 'num' }, row.position),
            h('td', { class: 'team' }, row.team),
            h('td', { class: 'num' }, row.played),
            h('td', { class: 'num' }, row.won),
            h('td', { class: 'num' }, row.draw),
            h('td', { class: 'num' }, row.lost),
            h('td', { class: 'num' }, row.goalDifference),
            h('td', { class: 'num' }, row.points),
          ),
        ),
        'no finished match yet',
      ),
    ),
  );
  fill(
    'standings',
    ...(tables.length
      ? tables
      : [
          h(
            'p',
            { class: 'muted' },
            'No standings yet: the insights DAG computes them every hour from the finished matches.',
          ),
        ]),
    errorNote(section),
  );
  stamp('standings-at', section);
}

export function renderJobs(section: JobsSection): void {
  const counts = Object.entries(section.counts)
    .map(([state, n]) => `${state} ${n}`)
    .join(' · ');
  const rows = section.jobs.map((job) =>
    h(
      'tr',
      { class: `job-${job.state}` },
      h('td', {}, clock(job.timestamp)),
      h('td', {}, h('a', { href: `${section.dashboardUrl}`, target: '_blank', rel: 'noopener' }, `#${job.id}`)),
      h('td', {}, job.name),
      h('td', { class: 'state' }, job.state),
      h('td', { class: 'summary' }, job.failedReason ?? job.progress ?? '–'),
      h('td', { class: 'summary' }, job.runId ?? '–'),
    ),
  );
  fill(
    'jobs',
    h('p', { class: 'muted' }, counts || '–'),
    table(['added', 'job', 'name', 'state', 'progress', 'DAG run'], rows, 'no jobs'),
    errorNote(section),
  );
  stamp('jobs-at', section);
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
  } else {
    const rows = section.runs.map((run) =>
      h(
        'tr',
        { class: `run-${run.state}` },
        h('td', {}, clock(run.runAfter)),
        h('td', {}, run.dagId),
        h('td', { class: 'summary' }, h('a', { href: run.url, target: '_blank', rel: 'noopener' }, run.runId)),
        h('td', { class: 'state' }, run.state),
        h('td', {}, clock(run.endDate)),
      ),
    );
    fill('dag-runs', table(['run after', 'DAG', 'run', 'state', 'ended'], rows, 'no DAG runs yet'), errorNote(section));
  }
  stamp('dag-runs-at', section);
}
