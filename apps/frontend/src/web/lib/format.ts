// Small formatting helpers. Pure: no DOM.

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '–';
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 100 || i === 0 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

export function formatDims(dims: readonly number[]): string {
  return dims.length ? dims.join(' × ') : '–';
}

export function formatSpacing(spacing: readonly number[]): string {
  return spacing.length ? `${spacing.map((s) => Number(s.toFixed(2))).join(' × ')} mm` : '–';
}

export function formatMl(ml: number): string {
  if (!Number.isFinite(ml)) return '–';
  if (ml >= 100) return `${ml.toFixed(0)} mL`;
  if (ml >= 1) return `${ml.toFixed(1)} mL`;
  return `${ml.toFixed(2)} mL`;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '–';
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '–';
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** Elapsed time of a job: finished − started, or now − started while running. */
export function jobDuration(job: { startedAt?: string; finishedAt?: string }, now = Date.now()): string {
  if (!job.startedAt) return '–';
  const start = Date.parse(job.startedAt);
  const end = job.finishedAt ? Date.parse(job.finishedAt) : now;
  return formatDuration(end - start);
}
