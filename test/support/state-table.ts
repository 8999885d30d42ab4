import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Create a table with tarmac's state key schema (`pk`/`sk` strings, on demand), as lib/constructs/state-table.ts
 * declares it, on whatever DynamoDB the client reaches (dynalite, moto). Returns the name.
 */
export async function createStateTable(client: DynamoDBClient, name: string): Promise<string> {
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
  return name;
}
