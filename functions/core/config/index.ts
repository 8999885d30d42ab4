export { assertConfig } from './assertions';
export { allInstances, GENERATED_SECRETS, type Instance, instanceOf } from './instances';
export { findApp, findEnvironment, findFleet, requireApp, requireEnvironment, unknownNameMessage } from './lookup';
export { parseConfig } from './parse';
export * from './schema';
