/** Learning curves (one chart per metric, one line per trial) drawn by uPlot. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { interpolateCividis } from 'd3-scale-chromatic';
import { escapeBidi } from '../bidi.ts';

export interface Curve {
  label: string;
  points: Array<[number, number]>;
}

function Chart({ title, curves }: { title: string; curves: Curve[] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const xs = [...new Set(curves.flatMap((c) => c.points.map((p) => p[0])))].sort((a, b) => a - b);
    const data: uPlot.AlignedData = [
      xs,
      ...curves.map((c) => {
        const byX = new Map(c.points);
        return xs.map((x) => byX.get(x) ?? null);
      }),
    ];
    const plot = new uPlot(
      {
        title: escapeBidi(title),
        width: Math.min(520, el.current.clientWidth || 520),
        height: 220,
        scales: { x: { time: false } },
        axes: [{ label: 'epoch', incrs: [1, 2, 5, 10, 20, 50, 100, 200] }, {}],
        series: [
          { label: 'epoch' },
          ...curves.map((c, k) => ({
            label: escapeBidi(c.label),
            stroke: interpolateCividis(curves.length > 1 ? (0.85 * k) / (curves.length - 1) : 0.2),
            width: 2,
            spanGaps: true,
            points: { show: xs.length < 30 },
          })),
        ],
      },
      data,
      el.current,
    );
    return () => plot.destroy();
  }, [title, curves]);
  return <div class="chart" ref={el} role="img" aria-label={`${escapeBidi(title)} per epoch`} />;
}

export function Curves({ charts }: { charts: Array<{ title: string; curves: Curve[] }> }) {
  return (
    <div class="charts">
      {charts.map((c) => (
        <Chart key={c.title} title={c.title} curves={c.curves} />
      ))}
    </div>
  );
}
