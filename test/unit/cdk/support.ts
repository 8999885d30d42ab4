import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PipelineStack, type PipelineStackProps } from '../../../lib/pipeline-stack';

export const EXAMPLE_CONFIG = readFileSync(new URL('../../../examples/tarmac.yml', import.meta.url), 'utf8');

/** Two apps on two fleets, three environments each, one strategy of every kind. */
export const TWO_APPS_CONFIG = `
fleets:
  web: { ec2_tags: { tarmac-fleet: web, team: core } }
  jobs: { ec2_tags: { tarmac-fleet: jobs } }
apps:
  hello:
    repo: acme/hello
    release: hello
    fleet: web
    strategy: half
    environments:
      staging: { port: 4001 }
      qa: { port: 4002 }
      production: { port: 4003, secrets: [database_password] }
  billing:
    repo: acme/billing
    release: billing
    fleet: jobs
    strategy: { type: one-at-a-time, min_healthy_hosts: "50%" }
    environments:
      staging: { port: 5001 }
      qa: { port: 5002 }
      production: { port: 5003 }
`;

/** Write a tarmac.yml to a fresh temporary directory and return its path. */
export function writeConfig(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'tarmac-cdk-')), 'tarmac.yml');
  writeFileSync(file, text);
  return file;
}

/**
 * A PipelineStack in a fresh App. Bundling is skipped (`aws:cdk:bundling-stacks: []`): the functions get a
 * placeholder asset, and the built-in CloudFormation schema validation (~5 s a synth) is off, so structure tests
 * stay fast. The synth test (synth.test.ts) builds the real bundles and runs that validation.
 */
export function buildStack(
  configText: string,
  props: Partial<PipelineStackProps> = {},
): { stack: PipelineStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stack = new PipelineStack(app, 'Tarmac', { configFile: writeConfig(configText), ...props });
  return { stack, template: Template.fromStack(stack) };
}

/** An empty stack in a fresh App, without the slow built-in CloudFormation validation. */
export function freshStack(): Stack {
  return new Stack(new App({ builtinCloudFormationValidation: false }), 'Test');
}
