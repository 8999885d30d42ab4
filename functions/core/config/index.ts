export { assertConfig } from './assertions';
export { DATABASE_PASSWORD_SECRET, type Database, databaseEnvironment, LOCAL_SOCKET_DIR } from './database';
export { allInstances, GENERATED_SECRETS, type Instance, instanceOf } from './instances';
export {
  findApp,
  findEnvironment,
  findFleet,
  fleetHosts,
  fleetOfApp,
  requireApp,
  requireEnvironment,
  unknownNameMessage,
} from './lookup';
export { parseConfig } from './parse';
export * from './schema';
export { type SshHost, sshHostsOf } from './ssh-hosts';
export type { Nginx, Slot, Slots } from './traffic';
