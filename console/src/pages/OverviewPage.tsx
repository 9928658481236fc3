import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useParams } from '@tanstack/react-router';
import { type ReactNode, useId, useState } from 'react';
import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { api } from '../api.ts';
import { messageOf } from '../components/forms.ts';

type Series = 'usersCreated' | 'usersDeactivated' | 'usersErased' | 'signIns' | 'signInsFailed';

export interface TenantOverview {
  days: number;
  from: string;
  to: string;
  daily: ({ day: string } & Record<Series, number>)[];
  totals: Record<Series, number>;
  eventsPerType: { type: string; count: number }[];
  liveSessions: number;
  webhooks: { daily: { day: string; succeeded: number; failed: number }[]; succeeded: number; failed: number } | null;
}

// Mid-tone colours: readable on the light and the dark background alike.
const COLOURS = { blue: '#3b82f6', amber: '#f59e0b', red: '#ef4444', green: '#10b981', violet: '#8b5cf6' };
const LABELS: Record<Series, string> = {
  usersCreated: 'Created',
  usersDeactivated: 'Deactivated',
  usersErased: 'Erased',
  signIns: 'Sign-ins',
  signInsFailed: 'Failed sign-ins',
};
const PERIODS = [7, 30, 90] as const;

// Charts draw themselves in over a second and a half, unless the person asked for less motion.
const animate = () => !window.matchMedia('(prefers-reduced-motion: reduce)').matches;

const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const formatDay = (day: string) => dayLabel.format(new Date(`${day}T00:00:00Z`));
const number = new Intl.NumberFormat();

// Axis text and grid follow the page's text colour, so they stay readable in dark mode.
const tick = { fill: 'currentColor', fontSize: 12 };
const tooltipStyle = {
  contentStyle: { backgroundColor: 'var(--chart-tooltip-bg)', borderColor: 'var(--chart-grid)', color: 'inherit' },
  labelFormatter: (label: unknown) => (typeof label === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(label) ? formatDay(label) : String(label)),
};

/**
 * One chart with its heading and a sentence saying what it shows; the numbers behind it are a table under
 * "Show the numbers" (what a screen reader reads: the drawing itself is hidden from assistive technology).
 */
function ChartCard(props: { title: string; summary: string; empty?: string | null; table: ReactNode; children: ReactNode }) {
  const headingId = useId();
  return (
    <section aria-labelledby={headingId} className="card grid gap-2">
      <h2 id={headingId} className="text-lg font-semibold">
        {props.title}
      </h2>
      <p className="muted text-sm">{props.summary}</p>
      {props.empty ? (
        <p className="muted text-sm">{props.empty}</p>
      ) : (
        <>
          <div aria-hidden="true" className="chart h-64 w-full">
            {props.children}
          </div>
          <details>
            <summary className="cursor-pointer text-sm">Show the numbers</summary>
            <div className="mt-2 max-h-64 overflow-auto">{props.table}</div>
          </details>
        </>
      )}
    </section>
  );
}

function DataTable<T extends Record<string, string | number>>(props: { caption: string; rows: T[]; columns: [keyof T, string][] }) {
  return (
    <table className="table">
      <caption className="sr-only">{props.caption}</caption>
      <thead>
        <tr>
          {props.columns.map(([key, label]) => (
            <th key={String(key)} scope="col">
              {label}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: rows are a fixed, ordered series
          <tr key={i}>
            {props.columns.map(([key]) => (
              <td key={String(key)}>{typeof row[key] === 'number' ? number.format(row[key] as number) : formatCell(String(row[key]))}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const formatCell = (value: string) => (/^\d{4}-\d{2}-\d{2}$/.test(value) ? formatDay(value) : value);

const xAxis = <XAxis dataKey="day" tickFormatter={formatDay} tick={tick} stroke="currentColor" minTickGap={16} />;
const yAxis = <YAxis allowDecimals={false} tick={tick} stroke="currentColor" width={40} />;
const grid = <CartesianGrid stroke="var(--chart-grid)" strokeDasharray="3 3" />;

/** A tenant at a glance: users over time, sign-ins, live sessions, events per type and webhook deliveries. */
export function OverviewPage() {
  const { tenantId } = useParams({ from: '/tenants/$tenantId/overview' });
  const [days, setDays] = useState<number>(30);
  const overview = useQuery({
    queryKey: ['overview', tenantId, days],
    queryFn: () => api.get<TenantOverview>(`/tenants/${tenantId}/overview?days=${days}`),
    refetchInterval: 30_000,
    placeholderData: keepPreviousData,
  });
  const o = overview.data;
  const period = `the last ${days} days`;
  return (
    <div className="grid gap-4" aria-busy={overview.isLoading}>
      <div className="flex flex-wrap items-end justify-between gap-3">
        <h1 className="text-2xl font-semibold">Overview</h1>
        <div>
          <label htmlFor="overview-days" className="label">
            Period
          </label>
          <select id="overview-days" className="input" value={days} onChange={(e) => setDays(Number(e.target.value))}>
            {PERIODS.map((p) => (
              <option key={p} value={p}>
                Last {p} days
              </option>
            ))}
          </select>
        </div>
      </div>
      {overview.isLoading ? <p className="muted">Loading the overview…</p> : null}
      {overview.error ? (
        <p role="alert" className="field-error">
          {messageOf(overview.error)}
        </p>
      ) : null}
      {o ? <OverviewCharts o={o} period={period} /> : null}
    </div>
  );
}

function OverviewCharts({ o, period }: { o: TenantOverview; period: string }) {
  const motion = animate();
  const t = o.totals;
  const userChanges = t.usersCreated + t.usersDeactivated + t.usersErased;
  const signIns = t.signIns + t.signInsFailed;
  const eventCount = o.eventsPerType.reduce((n, e) => n + e.count, 0);
  const failedShare = signIns > 0 ? Math.round((100 * t.signInsFailed) / signIns) : 0;
  return (
    <>
      <div className="grid gap-4 sm:grid-cols-3">
        <div className="card">
          <p className="muted text-sm">Live sessions now</p>
          <p className="text-3xl font-semibold" data-testid="live-sessions">
            {number.format(o.liveSessions)}
          </p>
        </div>
        <div className="card">
          <p className="muted text-sm">Users created in {period}</p>
          <p className="text-3xl font-semibold">{number.format(t.usersCreated)}</p>
        </div>
        <div className="card">
          <p className="muted text-sm">Events in {period}</p>
          <p className="text-3xl font-semibold">{number.format(eventCount)}</p>
        </div>
      </div>
      <div className="grid gap-4 lg:grid-cols-2">
        <ChartCard
          title="Users over time"
          summary={`In ${period}: ${number.format(t.usersCreated)} created, ${number.format(t.usersDeactivated)} deactivated, ${number.format(t.usersErased)} erased.`}
          empty={userChanges === 0 ? 'No user was created, deactivated or erased in this period.' : null}
          table={
            <DataTable
              caption="Users created, deactivated and erased per day"
              rows={o.daily}
              columns={[
                ['day', 'Day'],
                ['usersCreated', LABELS.usersCreated],
                ['usersDeactivated', LABELS.usersDeactivated],
                ['usersErased', LABELS.usersErased],
              ]}
            />
          }
        >
          <ResponsiveContainer width="100%" height="100%">
            <AreaChart data={o.daily} accessibilityLayer={false}>
              {grid}
              {xAxis}
              {yAxis}
              <Tooltip {...tooltipStyle} />
              <Legend itemSorter={null} />
              <Area
                isAnimationActive={motion}
                type="monotone"
                dataKey="usersCreated"
                name={LABELS.usersCreated}
                stroke={COLOURS.blue}
                fill={COLOURS.blue}
                fillOpacity={0.25}
              />
              <Area
                isAnimationActive={motion}
                type="monotone"
                dataKey="usersDeactivated"
                name={LABELS.usersDeactivated}
                stroke={COLOURS.amber}
                fill={COLOURS.amber}
                fillOpacity={0.25}
              />
              <Area
                isAnimationActive={motion}
                type="monotone"
                dataKey="usersErased"
                name={LABELS.usersErased}
                stroke={COLOURS.red}
                fill={COLOURS.red}
                fillOpacity={0.25}
              />
            </AreaChart>
          </ResponsiveContainer>
        </ChartCard>
        <ChartCard
          title="Sign-ins per day"
          summary={`In ${period}: ${number.format(t.signIns)} sign-ins and ${number.format(t.signInsFailed)} failed (${failedShare}% of attempts).`}
          empty={signIns === 0 ? 'Nobody signed in, or tried to, in this period.' : null}
          table={
            <DataTable
              caption="Sign-ins and failed sign-ins per day"
              rows={o.daily}
              columns={[
                ['day', 'Day'],
                ['signIns', LABELS.signIns],
                ['signInsFailed', LABELS.signInsFailed],
              ]}
            />
          }
        >
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={o.daily} accessibilityLayer={false}>
              {grid}
              {xAxis}
              {yAxis}
              <Tooltip {...tooltipStyle} cursor={{ fill: 'var(--chart-grid)' }} />
              <Legend itemSorter={null} />
              <Bar isAnimationActive={motion} dataKey="signIns" name={LABELS.signIns} fill={COLOURS.green} />
              <Bar isAnimationActive={motion} dataKey="signInsFailed" name={LABELS.signInsFailed} fill={COLOURS.red} />
            </BarChart>
          </ResponsiveContainer>
        </ChartCard>
        <ChartCard
          title="Events per type"
          summary={
            o.eventsPerType.length > 0
              ? `${number.format(eventCount)} events of ${o.eventsPerType.length} types in ${period}; the most frequent: ${o.eventsPerType[0]?.type} (${number.format(o.eventsPerType[0]?.count ?? 0)}).`
              : `No events in ${period}.`
          }
          empty={o.eventsPerType.length === 0 ? 'Nothing happened in this tenant in this period.' : null}
          table={
            <DataTable
              caption="Events per type"
              rows={o.eventsPerType}
              columns={[
                ['type', 'Type'],
                ['count', 'Events'],
              ]}
            />
          }
        >
          <ResponsiveContainer width="100%" height="100%">
            <BarChart data={o.eventsPerType.slice(0, 12)} layout="vertical" accessibilityLayer={false} margin={{ left: 8 }}>
              {grid}
              <XAxis type="number" allowDecimals={false} tick={tick} stroke="currentColor" />
              <YAxis type="category" dataKey="type" tick={tick} stroke="currentColor" width={140} interval={0} />
              <Tooltip {...tooltipStyle} cursor={{ fill: 'var(--chart-grid)' }} />
              <Bar isAnimationActive={motion} dataKey="count" name="Events" fill={COLOURS.violet} />
            </BarChart>
          </ResponsiveContainer>
        </ChartCard>
        {o.webhooks ? (
          <ChartCard
            title="Webhook deliveries"
            summary={`In ${period}: ${number.format(o.webhooks.succeeded)} delivery attempts succeeded and ${number.format(o.webhooks.failed)} failed.`}
            table={
              <DataTable
                caption="Webhook delivery attempts per day"
                rows={o.webhooks.daily}
                columns={[
                  ['day', 'Day'],
                  ['succeeded', 'Succeeded'],
                  ['failed', 'Failed'],
                ]}
              />
            }
          >
            <ResponsiveContainer width="100%" height="100%">
              <BarChart data={o.webhooks.daily} accessibilityLayer={false}>
                {grid}
                {xAxis}
                {yAxis}
                <Tooltip {...tooltipStyle} cursor={{ fill: 'var(--chart-grid)' }} />
                <Legend itemSorter={null} />
                <Bar isAnimationActive={motion} dataKey="succeeded" name="Succeeded" stackId="attempts" fill={COLOURS.green} />
                <Bar isAnimationActive={motion} dataKey="failed" name="Failed" stackId="attempts" fill={COLOURS.red} />
              </BarChart>
            </ResponsiveContainer>
          </ChartCard>
        ) : null}
      </div>
    </>
  );
}
