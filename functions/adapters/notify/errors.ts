import { TarmacError } from '../../core/errors';

/** Slack or GitHub answered a notifier's request with an error status. Notifiers log it and go on. */
export class NotifyHttpError extends TarmacError {
  constructor(request: string, status: number) {
    super(`${request}: HTTP ${status}`, { request, status });
    this.name = 'NotifyHttpError';
  }
}
