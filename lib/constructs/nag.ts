import { Stack, Validations } from 'aws-cdk-lib';
import type { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag (v3) acknowledgments through CDK's `Validations`. A finding is acknowledged on `scope` and applies to
 * the resources below it. Every acknowledgment carries the reason it is safe.
 */
export function acknowledge(scope: IConstruct, rule: string, reason: string, findings?: readonly string[]): void {
  const ids = findings ? findings.map((finding) => `AwsSolutions-${rule}[${finding}]`) : [`AwsSolutions-${rule}`];
  Validations.of(scope).acknowledge(...ids.map((id) => ({ id, reason })));
}

/** The `IAM4` finding of an AWS managed policy, e.g. `service-role/AWSCodeDeployRole`. */
export function managedPolicyFinding(name: string): string {
  return `Policy::arn:<AWS::Partition>:iam::aws:policy/${name}`;
}

/**
 * Acknowledge the `IAM5` findings of exactly the wildcard resources in `statements` (e.g. `<bucket>/releases/*`)
 * — computed from the statements themselves, the way cdk-nag prints them, so nothing else is silenced.
 * Wildcard actions are never acknowledged: tarmac names every action.
 */
export function acknowledgeWildcardResources(
  scope: IConstruct,
  statements: readonly PolicyStatement[],
  reason: string,
): void {
  const stack = Stack.of(scope);
  const findings = new Set<string>();
  for (const statement of statements) {
    for (const resource of statement.resources) {
      const flat = flattenCfnReference(stack.resolve(resource));
      if (flat.includes('*')) findings.add(`Resource::${flat}`);
    }
  }
  if (findings.size > 0) acknowledge(scope, 'IAM5', reason, [...findings]);
}
