import type { Child } from 'hono/jsx';
import type { Deployment } from '../../core/deployments';
import type { DurationEstimate } from '../../core/estimate';
import type { FailedJob } from '../../state/failed-jobs';
import type { FleetView } from '../../state/fleet-health';
import type { DashboardView } from './data';
import { DeploymentBlock } from './deployment';
import { EnvironmentCard } from './environment';
import { Estimate } from './estimate';
import { Releases } from './releases';
import { Age, Badge } from './status';
import { STYLESHEET } from './style';

/** The page shell: one inline stylesheet, no scripts, an optional meta refresh instead of client JS. */
function Layout(props: { title: string; refreshSec?: number | undefined; subtitle?: Child; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        {props.refreshSec ? <meta http-equiv="refresh" content={String(props.refreshSec)} /> : null}
        <title>{props.title}</title>
        {/* A constant of this module, never data: the only raw HTML on the page. */}
        <style dangerouslySetInnerHTML={{ __html: STYLESHEET }} />
      </head>
      <body>
        <header class="top">
          <div class="inner">
            <h1>
              <a href="/">tarmac</a>
            </h1>
            <span class="meta">{props.subtitle}</span>
          </div>
        </header>
        <main>{props.children}</main>
        <footer>Read-only. Deploy, roll back, lock and unlock with the tarmac CLI or the Slack command.</footer>
      </body>
    </html>
  );
}

const clockTime = (now: Date) => `${now.toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** `GET /`: every app, each environment as a card. */
export function DashboardPage(props: { view: DashboardView; refreshSec: number }) {
  const { apps, now } = props.view;
  const environments = apps.reduce((n, app) => n + app.environments.length, 0);
  return (
    <Layout
      title="tarmac — deployments"
      refreshSec={props.refreshSec}
      subtitle={`${apps.length} app${apps.length === 1 ? '' : 's'} · ${environments} environments · as of ${clockTime(now)} · refreshes every ${props.refreshSec} s`}
    >
      {apps.length === 0 ? <p class="empty">No apps in tarmac.yml.</p> : null}
      {apps.map((app) => (
        <section class="app" aria-label={app.name}>
          <div class="app-head">
            <h2>{app.name}</h2>
            <span class="muted small">
              {app.repo} · fleet <b>{app.fleet}</b>
              {app.hosts.length > 0 ? ` (${app.hosts.join(', ')})` : ''}
            </span>
            <StaleFleet view={props.view.fleets[app.fleet]} />
          </div>
          <div class="envs">
            {app.environments.map((view) => (
              <EnvironmentCard view={view} now={now} />
            ))}
            <Releases releases={app.releases} now={now} />
          </div>
        </section>
      ))}
      <FailedJobs jobs={props.view.failedJobs} now={now} />
    </Layout>
  );
}

/** A fleet held by a deployment nothing runs any more: say so, and how to free it. */
function StaleFleet(props: { view: FleetView | undefined }) {
  const stale = props.view?.stale;
  if (!stale || !props.view) return null;
  return (
    <span class="small" title={`${stale} — tarmac fleet free ${props.view.fleet} --reason "…"`}>
      <Badge tone="bad" mark="!" label={`fleet held by ${props.view.holder?.deploymentId ?? '?'}: stale`} /> {stale}
    </span>
  );
}

/** Jobs the worker recorded and acknowledged instead of retrying, with what an operator needs to find them. */
function FailedJobs(props: { jobs: readonly FailedJob[]; now: Date }) {
  if (props.jobs.length === 0) return null;
  return (
    <section class="app" aria-label="failed jobs">
      <div class="app-head">
        <h2>Failed jobs</h2>
        <span class="muted small">not retried; newest first</span>
      </div>
      <ul>
        {props.jobs.map((job) => (
          <li>
            <Age iso={job.at} now={props.now} /> <b>{job.type ?? 'message'}</b>{' '}
            {[job.app, job.env].filter(Boolean).join('/')} — {job.errorName}: {job.error}{' '}
            <span class="muted small">correlation {job.correlationId ?? 'none'}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** `GET /deployments/:id`: one deployment with every host's output expanded; refreshes while it runs. */
export function DeploymentPage(props: { deployment: Deployment; now: Date; estimate?: DurationEstimate | undefined }) {
  const d = props.deployment;
  const running = d.status === 'pending' || d.status === 'in_progress';
  return (
    <Layout title={`tarmac — ${d.app}/${d.env} ${d.version}`} refreshSec={running ? 5 : undefined}>
      <section class="card">
        <div class="env-head">
          <h3>
            {d.app}/{d.env} · {d.version}
          </h3>
          <a class="small" href="/">
            ← all environments
          </a>
        </div>
        {running ? <Estimate estimate={props.estimate} running={d} now={props.now} /> : null}
        <DeploymentBlock deployment={d} now={props.now} open />
      </section>
    </Layout>
  );
}

/** A page saying what went wrong and what to do (401, 404). */
export function MessagePage(props: { title: string; children?: Child }) {
  return (
    <Layout title={`tarmac — ${props.title}`}>
      <section class="card">
        <h3>{props.title}</h3>
        {props.children}
      </section>
    </Layout>
  );
}
