/** Placeholder Lambda entry so the CDK stack can bundle; the real composition root replaces this file. */
export async function handler(): Promise<never> {
  throw new Error('not built yet (issue #5)');
}
