/**
 * One line for a person about something caught. The project's own errors (the cloud client's,
 * the key store's, the deploy core's) are written for people and never hold a key value;
 * anything that is not an Error gets a generic line rather than its printed form.
 */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : 'An unknown error occurred.';
}
