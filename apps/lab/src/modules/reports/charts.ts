import * as vega from 'vega';
import type { ReportSection } from './schemas.ts';

type Chart = Extract<ReportSection, { kind: 'chart' }>;

/** The chart's drawing area in SVG pixels; the PDF scales the SVG to the page width. */
export const CHART_WIDTH = 420;
export const CHART_HEIGHT = 180;

/** A vega specification of line series overlaid on shared axes, with a legend when there are several. */
export function chartSpec(chart: Chart): vega.Spec {
  const values = chart.series.flatMap((s) =>
    s.points.map(([x, y]) => ({ series: s.name, x: x ?? 0, y: y ?? 0 })),
  );
  return {
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    padding: 5,
    background: 'white',
    data: [{ name: 'points', values }],
    scales: [
      { name: 'x', type: 'linear', domain: { data: 'points', field: 'x' }, range: 'width', zero: false },
      {
        name: 'y',
        type: 'linear',
        domain: { data: 'points', field: 'y' },
        range: 'height',
        zero: false,
        nice: true,
      },
      { name: 'colour', type: 'ordinal', domain: { data: 'points', field: 'series' }, range: 'category' },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: chart.x_label, grid: true },
      { orient: 'left', scale: 'y', title: chart.y_label, grid: true },
    ],
    legends:
      chart.series.length > 1
        ? [{ stroke: 'colour', orient: 'bottom', direction: 'horizontal', labelLimit: 400 }]
        : [],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'one', data: 'points', groupby: 'series' } },
        marks: [
          {
            type: 'line',
            from: { data: 'one' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'x' },
                y: { scale: 'y', field: 'y' },
                stroke: { scale: 'colour', field: 'series' },
                strokeWidth: { value: 1.2 },
              },
            },
          },
        ],
      },
    ],
  };
}

/** The chart as SVG text, rendered by vega without a browser or a canvas. */
export async function chartSvg(chart: Chart): Promise<string> {
  const view = new vega.View(vega.parse(chartSpec(chart)), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
