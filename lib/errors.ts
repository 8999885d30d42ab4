import type { IConstruct } from 'constructs';
import { TarmacError } from '../functions/core/errors';

/**
 * Props or configuration a construct refuses: the CloudFormation it would render could not deploy (or would
 * deploy something unsafe). Scoped like aws-cdk-lib's own `ValidationError` (which is internal to that
 * package): it records the path of the construct that refused, and the message starts with it, so a stack
 * with many fleets, apps or functions says which one. The rest of the message names the given value and the fix.
 *
 * @example
 *   if (maxReceiveCount < 1) throw new ValidationError(`maxReceiveCount must be … (given ${maxReceiveCount})`, this);
 *   // → "Tarmac/Jobs: maxReceiveCount must be … (given 0)"
 */
export class ValidationError extends TarmacError {
  /** Path of the construct that refused, e.g. `Tarmac/Jobs`. */
  readonly constructPath: string;

  constructor(message: string, scope: IConstruct, options?: { cause?: unknown }) {
    super(`${scope.node.path}: ${message}`, { constructPath: scope.node.path }, options);
    this.name = 'ValidationError';
    this.constructPath = scope.node.path;
  }
}
