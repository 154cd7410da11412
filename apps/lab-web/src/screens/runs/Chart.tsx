// A uPlot line chart drawn on canvas, with an accessible name and a text summary beside it (a canvas
// says nothing to a screen reader). New data is set in place: the chart is created once.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartProps {
  id: string;
  title: string;
  /** What the chart shows, in words: e.g. the latest value. Announced politely as it changes. */
  summary: string;
  xLabel: string;
  yLabel: string;
  series: { label: string; stroke: string }[];
  /** x values, then one array of y values per series. */
  data: uPlot.AlignedData;
}

const WIDTH = 640;
const HEIGHT = 260;

export function Chart(props: ChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const { series, xLabel, yLabel, data } = props;

  useEffect(() => {
    if (!holder.current) return;
    const options: uPlot.Options = {
      width: WIDTH,
      height: HEIGHT,
      scales: { x: { time: false } },
      axes: [{ label: xLabel }, { label: yLabel }],
      series: [{ label: xLabel }, ...series.map((s) => ({ label: s.label, stroke: s.stroke, width: 2 }))],
    };
    plot.current = new uPlot(options, [[], ...series.map(() => [])], holder.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [series, xLabel, yLabel]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure className="chart" aria-labelledby={`${props.id}-title`}>
      <figcaption id={`${props.id}-title`}>{props.title}</figcaption>
      <div ref={holder} role="img" aria-label={`${props.title}: ${props.summary}`} />
      <p
        id={`${props.id}-summary`}
        className="chart-summary"
        role="status"
        aria-label={`${props.title} latest`}
      >
        {props.summary}
      </p>
    </figure>
  );
}
