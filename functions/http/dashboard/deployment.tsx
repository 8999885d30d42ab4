import type { Child } from 'hono/jsx';
import {
  type Deployment,
  type HookResult,
  type HostResult,
  LIFECYCLE_EVENTS,
  type LifecycleEvent,
} from '../../core/deployments';
import { Age, DeploymentBadge, duration, HookMark, shortSha } from './status';

/** Column headings short enough for a phone; the full event name is in the tooltip. */
const SHORT: Record<LifecycleEvent, string> = {
  ApplicationStop: 'Stop',
  BeforeInstall: 'Before',
  AfterInstall: 'After',
  ApplicationStart: 'Start',
  ValidateService: 'Validate',
};

export const deploymentHref = (id: string) => `/deployments/${encodeURIComponent(id)}`;

/** One line: status, version, trigger, who, when, how long. */
export function DeploymentLine(props: { deployment: Deployment; now: Date }) {
  const d = props.deployment;
  const took = duration(d.startedAt, d.endedAt);
  return (
    <div class="deploy-line">
      <DeploymentBadge status={d.status} />
      <a href={deploymentHref(d.id)}>
        <b>{d.version}</b>
      </a>
      <span class="muted">
        {d.trigger} by {d.requestedBy}
      </span>
      <span class="muted">
        <Age iso={d.startedAt ?? d.createdAt} now={props.now} />
        {took ? ` · took ${took}` : ''}
      </span>
    </div>
  );
}

/** Hosts × lifecycle events (ApplicationStop → … → ValidateService), each ✓ ✗ … – or ·. */
export function HookTable(props: { hosts: readonly HostResult[] }) {
  if (props.hosts.length === 0) return <p class="empty">No host has reported yet.</p>;
  return (
    <div class="scroll">
      <table class="hooks">
        <thead>
          <tr>
            <th scope="col">Host</th>
            {LIFECYCLE_EVENTS.map((event) => (
              <th scope="col" title={event}>
                {SHORT[event]}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.hosts.map((host) => (
            <tr>
              <th scope="row">{host.host}</th>
              {LIFECYCLE_EVENTS.map((event) => (
                <td>
                  <HookMark event={event} result={host.events.find((e) => e.event === event)} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Each host's hook output tails, collapsed; `open` expands them (the deployment page). */
export function HookTails(props: { hosts: readonly HostResult[]; open?: boolean }) {
  return (
    <>
      {props.hosts
        .filter((host) => host.events.some((e) => e.tail))
        .map((host) => (
          <details open={props.open}>
            <summary>Output of {host.host}</summary>
            {LIFECYCLE_EVENTS.map((event) => host.events.find((e) => e.event === event))
              .filter((e): e is HookResult => Boolean(e?.tail))
              .map((e) => (
                <>
                  <p class="tail-event">
                    <HookMark event={e.event} result={e} /> {e.event}
                  </p>
                  <pre>{e.tail}</pre>
                </>
              ))}
          </details>
        ))}
    </>
  );
}

/** A release's sha256 and git sha, short (full on hover), then whatever else belongs on the line. */
export function ReleaseFacts(props: { sha256: string; gitSha?: string | undefined; children?: Child }) {
  return (
    <p class="facts">
      <span>
        sha256 <code title={props.sha256}>{shortSha(props.sha256)}</code>
      </span>
      {props.gitSha ? (
        <span>
          git <code title={props.gitSha}>{shortSha(props.gitSha, 8)}</code>
        </span>
      ) : null}
      {props.children}
    </p>
  );
}

/** Who aborted the deployment (`tarmac abort`), why, and when; nothing for one that was not aborted. */
export function Aborted(props: { deployment: Deployment; now: Date }) {
  const aborted = props.deployment.aborted;
  if (!aborted) return null;
  return (
    <p class="aborted">
      Aborted by <b>{aborted.by}</b>
      {aborted.reason ? `: “${aborted.reason}”` : ''} <Age iso={aborted.at} now={props.now} />
    </p>
  );
}

/** A deployment with its per-host results and output; `open` (the deployment page) expands the output. */
export function DeploymentBlock(props: { deployment: Deployment; now: Date; open?: boolean }) {
  const d = props.deployment;
  return (
    <div class="deploy">
      <DeploymentLine deployment={d} now={props.now} />
      <ReleaseFacts sha256={d.sha256} gitSha={d.gitSha}>
        {props.open ? (
          <span>
            id <code>{d.id}</code>
          </span>
        ) : null}
      </ReleaseFacts>
      <Aborted deployment={d} now={props.now} />
      {d.error ? <p class="error">{d.error}</p> : null}
      <HookTable hosts={d.hosts} />
      <HookTails hosts={d.hosts} open={props.open} />
    </div>
  );
}
