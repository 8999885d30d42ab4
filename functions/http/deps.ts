import type { TarmacConfig } from '../core/config/schema';
import type { TokenGrant } from '../core/tokens';
import type { Logger } from '../log';
import type {
  ArtifactStore,
  Clock,
  ConsoleSessions,
  Ids,
  JobQueue,
  OperatorAccess,
  SecretStore,
  StateStore,
  UploadUrls,
} from '../ports';
import type { ReadApi } from '../state/read-api';

/** Size caps of the intake. */
export interface IntakeLimits {
  /** Largest release tarball `PUT /artifacts/<app>/<version>` accepts. @default 512 MiB */
  readonly maxArtifactBytes: number;
}

export const DEFAULT_LIMITS: IntakeLimits = { maxArtifactBytes: 512 * 1024 * 1024 };

/** Everything the HTTP edge needs, injected by a composition root (Lambda handler, `tarmac serve`, tests). */
export interface AppDeps {
  readonly config: TarmacConfig;
  readonly queue: JobQueue;
  readonly state: StateStore;
  readonly secrets: SecretStore;
  readonly artifacts: ArtifactStore;
  /** AWS mode only: presigned S3 PUTs for CI uploads. Omitted: `POST …/upload-url` answers 404. */
  readonly uploadUrls?: UploadUrls;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly logger: Logger;
  readonly limits?: Partial<IntakeLimits>;
  /** Read side for `/api/*` and Slack `status`/`history`. Omitted: those answer "not available yet". */
  readonly readApi?: ReadApi;
  /** `console --server`: how a client reaches a console. Omitted: `POST …/console` answers 501. */
  readonly consoles?: ConsoleSessions;
  /** `logs` and `eval` on the server's own hosts (`/api/…/logs`, `…/eval`). Omitted: those answer 501. */
  readonly operator?: OperatorAccess;
  /** How long intake secrets are cached per process. @default 60_000 */
  readonly secretTtlMs?: number;
  /**
   * Token guarding the dashboard (`GET /`) and `/api`. A function is called on the first request that needs
   * it (the webhook Lambda reads it from SSM then, not at cold start). @default
   * process.env.TARMAC_DASHBOARD_TOKEN; unset: open
   */
  readonly dashboardToken?: string | (() => Promise<string>);
}

/** Per-request values set by the app's middleware. */
export interface AppEnv {
  Variables: {
    correlationId: string;
    log: Logger;
    /** The exact bytes the signature was computed over. */
    rawBody: Uint8Array;
    /** `/api` only: the bearer token's grant (its name is the requester). */
    grant: TokenGrant;
  };
}
