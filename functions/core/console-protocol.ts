import * as z from 'zod';

/**
 * `tarmac console --server` over a WebSocket: binary frames carry terminal bytes both ways; text frames are
 * JSON control messages — the client sends `{"resize":{"cols","rows"}}`, the server ends with `{"exit":code}`
 * (the console's exit status) or `{"error":"…"}` when it could not start it.
 */
/** The SSM document a console runs through (`console --aws`, and the webhook Lambda for `--server`). */
export const CONSOLE_DOCUMENT = 'AWS-StartInteractiveCommand';

const size = z.number().int().min(1).max(1000);
const controlSchema = z.union([
  z.strictObject({ resize: z.strictObject({ cols: size, rows: size }) }),
  z.strictObject({ exit: z.number().int().nullable() }),
  z.strictObject({ error: z.string().max(2000) }),
]);
export type ConsoleControl = z.infer<typeof controlSchema>;

/** A control frame's message, or undefined for anything else (ignored: never a crash on a hostile frame). */
export function parseConsoleControl(
  text: string,
):
  | (Partial<Record<'resize', { cols: number; rows: number }>> &
      Partial<Record<'exit', number | null>> &
      Partial<Record<'error', string>>)
  | undefined {
  try {
    const parsed = controlSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
