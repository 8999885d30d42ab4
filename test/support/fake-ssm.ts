import {
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';

/**
 * An in-memory SSM Parameter Store behind a real SSMClient (no network: every send is answered here), with
 * the behaviour the adapter depends on: PutParameter refuses an existing name without Overwrite,
 * GetParameter throws ParameterNotFound, and by-path reads come back in short pages (3, below MaxResults)
 * with a NextToken, as SSM may do, so a caller that stops at the first short page loses secrets.
 */
export function fakeSsm(pageSize = 3): {
  client: SSMClient;
  parameters: Map<string, string>;
  /** The stub, to inspect requests with `commandCalls` (do not call mockClient again: it resets the fake). */
  mock: AwsClientStub<SSMClient>;
} {
  const client = new SSMClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const parameters = new Map<string, string>();
  const mock = mockClient(client);
  const meta = { $metadata: {} };
  const oneLevel = (path: string) =>
    [...parameters.keys()]
      .filter((name) => name.startsWith(`${path}/`) && !name.slice(path.length + 1).includes('/'))
      .sort();
  const page = (names: string[], token: string | undefined) => {
    const start = Number(token ?? 0);
    const next = start + pageSize < names.length ? String(start + pageSize) : undefined;
    return { names: names.slice(start, start + pageSize), next };
  };

  mock.on(PutParameterCommand).callsFake((input) => {
    if (parameters.has(input.Name) && !input.Overwrite) {
      throw new ParameterAlreadyExists({ message: `${input.Name} exists`, $metadata: {} });
    }
    parameters.set(input.Name, input.Value);
    return { Version: 1 };
  });
  mock.on(GetParameterCommand).callsFake((input) => {
    const value = parameters.get(input.Name);
    if (value === undefined) throw new ParameterNotFound({ message: input.Name, $metadata: {} });
    return { Parameter: { Name: input.Name, Value: input.WithDecryption ? value : 'AQICAH…ciphertext' } };
  });
  mock.on(GetParametersByPathCommand).callsFake((input) => {
    const { names, next } = page(oneLevel(input.Path.replace(/\/$/, '')), input.NextToken);
    const Parameters = names.map((Name) => ({ Name, Value: input.WithDecryption ? parameters.get(Name) : 'AQICAH…' }));
    return { ...meta, Parameters, ...(next ? { NextToken: next } : {}) };
  });
  mock.on(DescribeParametersCommand).callsFake((input) => {
    const path = input.ParameterFilters?.find((f: { Key: string }) => f.Key === 'Path')?.Values?.[0] ?? '';
    const { names, next } = page(oneLevel(path.replace(/\/$/, '')), input.NextToken);
    return {
      ...meta,
      Parameters: names.map((Name) => ({ Name, Type: 'SecureString' })),
      ...(next ? { NextToken: next } : {}),
    };
  });
  return { client, parameters, mock };
}
