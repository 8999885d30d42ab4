/**
 * The CDK app (cdk.json "app"). Which tarmac.yml to deploy comes from the context key `tarmac:config`
 * (cdk.json sets examples/tarmac.yml; override with `npx cdk deploy -c tarmac:config=tarmac.yml`), the stack
 * name from `tarmac:stack` (default `Tarmac`).
 */
import { App } from 'aws-cdk-lib';
import { PipelineStack } from '../lib/pipeline-stack';

const app = new App();
const configFile = String(app.node.tryGetContext('tarmac:config') ?? 'tarmac.yml');
const stackName = String(app.node.tryGetContext('tarmac:stack') ?? 'Tarmac');

new PipelineStack(app, stackName, {
  configFile,
  description: `tarmac: deploy pipeline for ${configFile}`,
  // Unset without credentials: the template is then environment-agnostic, which synth offline needs.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
app.synth();
