export { assertConfig } from './assertions';
export { allInstances, GENERATED_SECRETS, type Instance, instanceOf } from './instances';
export { parseConfig } from './parse';
export * from './schema';
