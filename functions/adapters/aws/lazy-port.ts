/** The methods of `T` whose results are promises: what {@link lazyPort} can stand in for. */
type AsyncMethods<T> = {
  [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<R> : never;
};

/**
 * A port that builds its adapter on the first call of any method, then delegates every call to it. For a
 * composition root whose cold start must not pay for adapters (and SDK modules) a request may never use:
 * `load` typically `import()`s the adapter's module. Concurrent first calls share one `load`; a failed load
 * is retried on the next call. Only for ports whose methods all return promises (every tarmac port does).
 *
 * @example
 *   const queue = lazyPort<JobQueue>(async () => {
 *     const { SqsQueue } = await import('./aws/sqs-queue');
 *     return new SqsQueue({ queueUrl, client: new (await import('@aws-sdk/client-sqs')).SQSClient({ region }) });
 *   });
 */
export function lazyPort<T extends object>(load: () => Promise<AsyncMethods<T>>): T {
  let instance: Promise<AsyncMethods<T>> | undefined;
  const target = () => {
    instance ??= load().catch((error: unknown) => {
      instance = undefined;
      throw error;
    });
    return instance;
  };
  const methods = new Map<PropertyKey, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy({} as T, {
    get(_, name) {
      // Not a thenable: `await lazyPort(...)` must not call `then` on the adapter.
      if (name === 'then') return undefined;
      let method = methods.get(name);
      if (!method) {
        method = async (...args: unknown[]) => {
          const adapter = (await target()) as Record<PropertyKey, (...a: unknown[]) => Promise<unknown>>;
          return (adapter[name] as (...a: unknown[]) => Promise<unknown>).apply(adapter, args);
        };
        methods.set(name, method);
      }
      return method;
    },
  });
}
