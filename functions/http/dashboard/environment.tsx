import type { Deployment, HookResult } from '../../core/deployments';
import type { Lock } from '../../core/locks';
import type { Maintenance } from '../../core/maintenance';
import type { CurrentRelease } from '../../state/deployments';
import type { EnvironmentView } from './data';
import { DeploymentBlock, deploymentHref, ReleaseFacts } from './deployment';
import { Estimate } from './estimate';
import { Age, Badge } from './status';

/** How many recent deployments a card shows; the rest are in `tarmac history` and the read API. */
const RECENT_SHOWN = 3;

function Current(props: { current: CurrentRelease | undefined; now: Date }) {
  const c = props.current;
  if (!c) return <p class="empty">Nothing deployed yet.</p>;
  return (
    <>
      <p class="version">
        <a href={deploymentHref(c.deploymentId)}>{c.version}</a>
      </p>
      <ReleaseFacts sha256={c.sha256} gitSha={c.gitSha}>
        <span>
          deployed <Age iso={c.at} now={props.now} /> by <b>{c.by}</b> via {c.trigger}
        </span>
      </ReleaseFacts>
    </>
  );
}

function LockNotice(props: { lock: Lock | undefined; now: Date }) {
  const lock = props.lock;
  if (!lock) return null;
  return (
    <p class="lock" role="status">
      <strong>Locked</strong> by <strong>{lock.by}</strong> <Age iso={lock.since} now={props.now} />: “{lock.reason}” —
      deploys are refused until <code>tarmac unlock</code>.
    </p>
  );
}

function MaintenanceNotice(props: { maintenance: Maintenance | undefined; now: Date }) {
  const m = props.maintenance;
  if (!m?.on) return null;
  return (
    <p class="lock" role="status">
      <strong>In maintenance</strong> since <Age iso={m.since} now={props.now} /> (by <strong>{m.by}</strong>
      {m.reason ? `: “${m.reason}”` : ''}): nginx answers 503 with the maintenance page —{' '}
      <code>tarmac maintenance off</code> serves it again.
    </p>
  );
}

function HostHealth(props: { host: string; status: HookResult['status'] | undefined }) {
  const { host, status } = props;
  if (status === 'succeeded') return <Badge tone="ok" mark="✓" label={`${host} healthy`} />;
  if (status === 'failed') return <Badge tone="bad" mark="✗" label={`${host} failed health check`} />;
  if (status === 'in_progress') return <Badge tone="run" mark="…" label={`${host} checking`} />;
  return <Badge tone="idle" mark="·" label={`${host} not checked`} />;
}

/** The last deployment's ValidateService result on each host: the health check hosts ran themselves. */
function Health(props: { last: Deployment | undefined }) {
  const hosts = props.last?.hosts ?? [];
  if (hosts.length === 0) return <p class="empty">No health results yet.</p>;
  return (
    <ul class="chips">
      {hosts.map((host) => (
        <li>
          <HostHealth host={host.host} status={host.events.find((e) => e.event === 'ValidateService')?.status} />
        </li>
      ))}
    </ul>
  );
}

function Pending(props: { pending: readonly Deployment[]; now: Date }) {
  if (props.pending.length === 0) return <p class="empty">None.</p>;
  return (
    <ol class="list">
      {props.pending.map((d) => (
        <li>
          <b>{d.version}</b>{' '}
          <span class="muted">
            {d.trigger} by {d.requestedBy}, queued <Age iso={d.createdAt} now={props.now} />
          </span>
        </li>
      ))}
    </ol>
  );
}

/** One environment: what runs, whether hosts passed their health check, lock, queue, recent deployments. */
export function EnvironmentCard(props: { view: EnvironmentView; now: Date }) {
  const { instance, current, lock, maintenance, pending, recent, estimate } = props.view;
  const last = recent.find((d) => d.hosts.length > 0);
  return (
    <section class="card" id={instance.id} aria-label={`${instance.app} ${instance.env}`}>
      <div class="env-head">
        <h3>{instance.env}</h3>
        {lock ? <Badge tone="warn" mark="■" label="locked" /> : null}
        {maintenance?.on ? <Badge tone="warn" mark="■" label="maintenance" /> : null}
        {recent[0]?.status === 'in_progress' ? <Badge tone="run" mark="…" label="deploying" /> : null}
        <span class="muted small">
          {instance.domain ?? 'no domain'} · port {instance.port}
        </span>
      </div>
      <LockNotice lock={lock} now={props.now} />
      <MaintenanceNotice maintenance={maintenance} now={props.now} />
      <h4>Current release</h4>
      <Current current={current} now={props.now} />
      <h4>
        Host health <span class="note">last ValidateService</span>
      </h4>
      <Health last={last} />
      <h4>Pending deploys</h4>
      <Pending pending={pending} now={props.now} />
      <h4>
        Duration <span class="note">p90 of the last successful deployments</span>
      </h4>
      <Estimate estimate={estimate} running={recent.find((d) => d.status === 'in_progress')} now={props.now} />
      <h4>Recent deployments</h4>
      {recent.length === 0 ? <p class="empty">None yet.</p> : null}
      {recent.slice(0, RECENT_SHOWN).map((d) => (
        <DeploymentBlock deployment={d} now={props.now} />
      ))}
    </section>
  );
}
