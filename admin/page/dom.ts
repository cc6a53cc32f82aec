/**
 * Building the page's elements: text always goes in as text (never as HTML),
 * since team names, terms and error messages come from the data.
 */
export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | undefined>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'class') element.className = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children)
    if (child !== null && child !== undefined && child !== false)
      element.append(child instanceof Node ? child : String(child));
  return element;
}

/** Replace the content of the element with this id. */
export function fill(id: string, ...children: Child[]): void {
  const target = document.getElementById(id);
  if (!target) return;
  target.replaceChildren(
    ...children
      .filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false)
      .map((c) => (c instanceof Node ? c : String(c))),
  );
}

/** A table with a caption-less header row; `empty` shown as one row when there are no rows. */
function table(headers: string[], rows: HTMLTableRowElement[], empty: string): HTMLTableElement {
  const body = rows.length ? rows : [h('tr', { class: 'empty' }, h('td', { colspan: headers.length }, empty))];
  return h(
    'table',
    {},
    h('thead', {}, h('tr', {}, ...headers.map((header) => h('th', { scope: 'col' }, header)))),
    h('tbody', {}, ...body),
  );
}

/** One column of `columnsTable`: its header, and the content (and class) of its cell for one item. */
export interface Column<T> {
  header: string;
  cell: (item: T) => Child | Child[];
  class?: string;
}

/** A `table` of one row per item, a cell per column; `row` gives a row's attributes (default none). */
export function columnsTable<T>(
  items: readonly T[],
  columns: Column<T>[],
  options: { empty: string; row?: (item: T) => Attrs },
): HTMLTableElement {
  const rows = items.map((item) =>
    h(
      'tr',
      options.row?.(item) ?? {},
      ...columns.map((column) => h('td', { class: column.class }, ...[column.cell(item)].flat())),
    ),
  );
  return table(
    columns.map((column) => column.header),
    rows,
    options.empty,
  );
}

/** "14:03:27 UTC" (the page's times are UTC, as the pipeline's). */
export function clock(iso: string | null | undefined): string {
  if (!iso) return '–';
  const time = Date.parse(iso);
  return Number.isNaN(time) ? '–' : `${new Date(time).toISOString().slice(11, 19)} UTC`;
}

/** A count with thousands separators. */
export function count(value: number | null | undefined): string {
  return value === null || value === undefined ? '–' : value.toLocaleString('en-US');
}

/** events/s with one decimal below 10. */
export function rate(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return value < 10 ? value.toFixed(1) : Math.round(value).toLocaleString('en-US');
}

/** A section's "not current" note when its source did not answer. */
export const errorNote = (section: { error?: string }) =>
  section.error ? h('p', { class: 'error', role: 'alert' }, `Not current: ${section.error}`) : null;
/** Stamp when a section was read into element `id`. */
export const stamp = (id: string, section: { at: string }) => fill(id, `read ${clock(section.at)}`);
/** Fill a section's element with `children` and its error note, and stamp when it was read (element `<id>-at`). */
export const fillSection = (id: string, section: { at: string; error?: string }, ...children: Child[]) => {
  fill(id, ...children, errorNote(section));
  stamp(`${id}-at`, section);
};
