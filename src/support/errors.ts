// One way to turn anything thrown into the words a report shows.

/** An error's message, or the thrown value as text when it is not an Error. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
