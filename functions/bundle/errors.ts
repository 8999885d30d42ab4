import { TarmacError } from '../core/errors';

/** A render input that cannot become a safe bundle (bad URL scheme, unsafe id, unit-breaking value). */
export class BundleInputError extends TarmacError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super(message, data);
    this.name = 'BundleInputError';
  }
}
