/** A dependency-free SVG line chart: log-scaled x (tenant size), linear y, one polyline per series. */
export interface ChartInput {
  title: string;
  xs: number[];
  series: { name: string; ys: number[] }[];
}

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The chart as an SVG document. */
export function lineChart(input: ChartInput): string {
  const [w, h, left, right, top, bottom] = [720, 400, 60, 170, 40, 40];
  const logs = input.xs.map((x) => Math.log10(x));
  const minX = Math.min(...logs);
  const spanX = Math.max(...logs) - minX || 1;
  const maxY = Math.max(1, ...input.series.flatMap((s) => s.ys.filter(Number.isFinite))) * 1.1;
  const px = (x: number) => left + ((Math.log10(x) - minX) / spanX) * (w - left - right);
  const py = (y: number) => h - bottom - (y / maxY) * (h - top - bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${left}" y="20" font-size="14">${escapeXml(input.title)}</text>`,
    `<line x1="${left}" y1="${h - bottom}" x2="${w - right}" y2="${h - bottom}" stroke="black"/>`,
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${h - bottom}" stroke="black"/>`,
  ];
  for (const x of input.xs) parts.push(`<text x="${px(x)}" y="${h - bottom + 16}" text-anchor="middle">${x.toLocaleString('en')}</text>`);
  for (let i = 0; i <= 4; i++) {
    const y = (maxY / 4) * i;
    parts.push(`<text x="${left - 6}" y="${py(y) + 4}" text-anchor="end">${y.toFixed(y < 10 ? 1 : 0)}</text>`);
  }
  input.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const points = input.xs.map((x, j) => `${px(x).toFixed(1)},${py(s.ys[j] ?? 0).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${points}"/>`);
    parts.push(`<text x="${w - right + 10}" y="${top + 16 * i + 10}" fill="${color}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
