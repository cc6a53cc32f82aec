/**
 * A small line chart in SVG, drawn at the width of its container: one or more
 * series over time, with the value axis labelled (unit included) and the time
 * axis in seconds before now.
 */
const SVG = 'http://www.w3.org/2000/svg';

export interface Series {
  label: string;
  className: string;
  values: number[];
}

export interface ChartOptions {
  /** The value axis' title, with its unit, e.g. "events/s". */
  unit: string;
  /** Seconds between two points. */
  stepSec: number;
  height?: number;
  title: string;
}

function el<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
  text?: string,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A round upper bound for the axis: 1, 2, 5 × 10^n. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (value <= step * power) return step * power;
  return 10 * power;
}

export function lineChart(container: HTMLElement, series: Series[], options: ChartOptions): void {
  const width = Math.max(260, Math.floor(container.clientWidth || 600));
  const height = options.height ?? 150;
  const left = 46;
  const right = 10;
  const top = 18;
  const bottom = 30;
  const points = Math.max(2, ...series.map((s) => s.values.length));
  const max = niceMax(Math.max(0, ...series.flatMap((s) => s.values)));
  const x = (index: number) => left + ((width - left - right) * index) / (points - 1);
  const y = (value: number) => top + (height - top - bottom) * (1 - value / max);

  const svg = el('svg', { width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': options.title });
  svg.append(el('title', {}, options.title));
  // The value axis: 0, half, max, with the unit.
  for (const value of [0, max / 2, max]) {
    svg.append(el('line', { x1: left, x2: width - right, y1: y(value), y2: y(value), class: 'grid' }));
    svg.append(
      el('text', { x: left - 6, y: y(value) + 4, 'text-anchor': 'end', class: 'axis' }, String(+value.toFixed(1))),
    );
  }
  svg.append(el('text', { x: 4, y: 12, class: 'axis unit' }, options.unit));
  // The time axis: seconds before now.
  const span = Math.round((points - 1) * options.stepSec);
  for (const [index, label] of [
    [0, `−${span} s`],
    [Math.floor((points - 1) / 2), `−${Math.round(span / 2)} s`],
    [points - 1, 'now'],
  ] as const)
    svg.append(
      el(
        'text',
        {
          x: x(index),
          y: height - 10,
          'text-anchor': index === 0 ? 'start' : index === points - 1 ? 'end' : 'middle',
          class: 'axis',
        },
        label,
      ),
    );
  for (const s of series) {
    const offset = points - s.values.length;
    const path = s.values
      .map((value, index) => `${index ? 'L' : 'M'}${x(index + offset).toFixed(1)},${y(value).toFixed(1)}`)
      .join('');
    if (path) svg.append(el('path', { d: path, class: `line ${s.className}` }));
  }
  const legend = document.createElement('p');
  legend.className = 'legend';
  for (const s of series) {
    const item = document.createElement('span');
    item.className = `key ${s.className}`;
    item.textContent = `${s.label}: ${+(s.values.at(-1) ?? 0).toFixed(1)} ${options.unit}`;
    legend.append(item);
  }
  container.replaceChildren(svg, legend);
}
