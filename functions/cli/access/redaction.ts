// The redactor is shared with the server's logs and eval (worker/operator-access.ts).
export { secretRedactor } from '../../state/secret-redactor';
