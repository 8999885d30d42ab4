import type { LifecycleEvent as CodeDeployLifecycleEvent, InstanceTarget } from '@aws-sdk/client-codedeploy';
import {
  type HookResult,
  type HostResult,
  type HostStatus,
  LIFECYCLE_EVENTS,
  type LifecycleEvent,
} from '../../core/deployments';

const HOST_STATUS: Record<string, HostStatus> = {
  Pending: 'pending',
  InProgress: 'in_progress',
  Ready: 'in_progress',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Skipped: 'skipped',
  Unknown: 'pending',
};

const HOOK_STATUS: Record<string, HookResult['status'] | undefined> = {
  InProgress: 'in_progress',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Skipped: 'skipped',
};

/**
 * One CodeDeploy instance target as the core's HostResult. Only the lifecycle events that run scripts and
 * have started are kept (DownloadBundle/Install run none; Pending has nothing to say). The host is the
 * instance id, as EventBridge instance notifications name it.
 */
export function toHostResult(target: InstanceTarget): HostResult {
  const events = (target.lifecycleEvents ?? []).flatMap((e) => {
    const result = toHookResult(e);
    return result ? [result] : [];
  });
  return { host: target.targetId ?? 'unknown', status: HOST_STATUS[target.status ?? 'Unknown'] ?? 'pending', events };
}

function toHookResult(event: CodeDeployLifecycleEvent): HookResult | undefined {
  const name = event.lifecycleEventName as LifecycleEvent;
  const status = HOOK_STATUS[event.status ?? ''];
  if (!LIFECYCLE_EVENTS.includes(name) || !status) return undefined;
  const tail = event.diagnostics?.logTail || event.diagnostics?.message;
  return {
    event: name,
    status,
    ...(event.startTime ? { startedAt: event.startTime.toISOString() } : {}),
    ...(event.endTime ? { endedAt: event.endTime.toISOString() } : {}),
    ...(tail ? { tail } : {}),
  };
}
