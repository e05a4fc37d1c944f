// The names that tell one Orixoon job's GitHub output from another's on the same PR: the sticky
// comment's hidden marker and the check run's name. Imports nothing, so reading the inputs stays light.

/** The check run's name unless the `check-name` input gives another (one per job on the same commit). */
export const CHECK_NAME = 'Orixoon pre-deployment';

export const STICKY_MARKER = '<!-- orixoon:sticky -->';

/** What a `comment-header` may hold: it goes into an HTML comment and onto the comment's first line. */
export const COMMENT_HEADER_RE = /^[A-Za-z0-9][A-Za-z0-9 ._/:-]{0,63}$/;

/**
 * The hidden marker that finds this job's sticky comment. Without a header it is the marker every
 * earlier version wrote, so an existing comment is still found; each header keys a comment of its own
 * (a staging and a production job on one PR), and no marker is a part of another.
 */
export function stickyMarker(header?: string): string {
  return header ? `<!-- orixoon:sticky:${header} -->` : STICKY_MARKER;
}
