import { parse } from 'yaml';
import type { LifecycleEvent } from '../../../core/deployments';
import { TarmacError } from '../../../core/errors';

export interface HookScript {
  readonly location: string;
  readonly timeoutSec: number;
}

/** CodeDeploy's default and maximum timeout per script. */
const MAX_TIMEOUT = 3600;

/** The scripts of each lifecycle event in an `appspec.yml`, as the CodeDeploy agent reads them. */
export function parseAppspec(text: string): Partial<Record<LifecycleEvent, HookScript[]>> {
  const doc = parse(text) as { hooks?: Record<string, { location?: unknown; timeout?: unknown }[]> } | null;
  const result: Partial<Record<LifecycleEvent, HookScript[]>> = {};
  for (const [event, scripts] of Object.entries(doc?.hooks ?? {})) {
    result[event as LifecycleEvent] = (scripts ?? []).map((script) => {
      const location = String(script.location ?? '');
      if (!location || location.startsWith('/') || location.split('/').includes('..')) {
        throw new TarmacError(`appspec.yml: hook location "${location}" of ${event} must be a path inside the bundle`, {
          event,
          location,
        });
      }
      const timeout = Number(script.timeout ?? MAX_TIMEOUT);
      return { location, timeoutSec: Math.min(MAX_TIMEOUT, timeout > 0 ? timeout : MAX_TIMEOUT) };
    });
  }
  return result;
}
