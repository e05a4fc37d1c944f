// Durations as people read them. Each helper says the unit it takes.

function round1(n: number): string {
  return String(Math.round(n * 10) / 10);
}

/** A threshold or an age given in seconds: `45s`, `12.5 min`, `3 h`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${round1(seconds)}s`;
  if (seconds < 7200) return `${round1(seconds / 60)} min`;
  return `${round1(seconds / 3600)} h`;
}

/** A measured duration given in milliseconds: `340 ms`, `1.2 s`, `2m 05s`. */
export function formatMilliseconds(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const total = Math.round(ms / 1000);
  return `${Math.floor(total / 60)}m ${String(total % 60).padStart(2, '0')}s`;
}

/** Milliseconds shown as seconds with one decimal, for progress lines: `0.1 s`, `2 s`, `90 s`. */
export function formatMillisecondsAsSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
