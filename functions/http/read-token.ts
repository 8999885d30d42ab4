/** The shared token guarding the read side (dashboard and `/api`), when configured. */
export function readToken(configured: string | undefined): string | undefined {
  return configured ?? (process.env.TARMAC_DASHBOARD_TOKEN || undefined);
}
