import type { DeploymentPlan } from '../core/plans';

/**
 * The strategy and batch lines of `tarmac plan`: one line for the strategy, then one per host and batch. A
 * canary's hosts come first, marked `canary`, with the bake after their ValidateService.
 *
 * @example
 *   strategy canary: h1 first, bake 60 s (health checked throughout), then one-at-a-time: batches of 1, 1 host(s) kept healthy
 *     canary   h1: ApplicationStop → … → ValidateService → bake 60 s
 *     batch 2  h2: ApplicationStop → … → ValidateService
 */
export function planLines(plan: DeploymentPlan): string[] {
  const { strategy, canary } = plan;
  const batched = `${strategy.type}: batches of ${strategy.batchSize}, ${strategy.minHealthyHosts} host(s) kept healthy`;
  const alarms = canary?.alarms.length ? `, alarms ${canary.alarms.join(', ')}` : '';
  const head = canary
    ? `strategy canary: ${canary.hosts.join(', ')} first, bake ${canary.bakeSeconds} s (health checked throughout${alarms}), then ${batched}`
    : `strategy ${batched}`;
  const steps = plan.steps.join(' → ');
  const lines = [head];
  plan.batches.forEach((batch, i) => {
    const label = canary && i === 0 ? 'canary ' : `batch ${i + 1}`;
    const bake = canary && i === 0 ? ` → bake ${canary.bakeSeconds} s` : '';
    for (const host of batch) lines.push(`  ${label}  ${host}: ${steps}${bake}`);
  });
  for (const host of plan.skipped ?? []) lines.push(`  skipped  ${host}: unreachable`);
  return lines;
}
