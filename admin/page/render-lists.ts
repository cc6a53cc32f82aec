/**
 * The sections of the feed that are lists (lib/live-sections.ts): the latest
 * stored events, the dead letters, today's matches, the standings, the jobs
 * and the DAG runs. Each replaces its part of the page with the section's
 * current state.
 */
import type {
  DagRunsSection,
  DeadLettersSection,
  EventsSection,
  JobsSection,
  MatchesSection,
  StandingsSection,
} from '../../lib/live-sections';
import { clock, columnsTable, count, fill, fillSection, h, stamp } from './dom';

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
