import { createHash } from 'node:crypto';
import type { DicomSeries } from './types.js';

const MAX_SLUG = 48;

/** Lower-case ASCII slug: letters, digits and single underscores; never empty-dotted or path-like. */
export function slugify(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, MAX_SLUG)
    .replace(/_+$/g, '');
}

/** First 8 hex digits of SHA-1(SeriesInstanceUID): a stable short id for a series. */
export function seriesHash(seriesUid: string): string {
  return createHash('sha1').update(seriesUid).digest('hex').slice(0, 8);
}

/**
 * Readable scan name of a series: `<SeriesNumber>_<description slug>` (e.g. `2010_std_brain_5mm`);
 * the modality replaces an empty description; without a SeriesNumber: `series_<hash>`.
 * Only `[a-z0-9_]`, at most 60 characters, valid as a store scan id.
 */
export function scanName(series: Pick<DicomSeries, 'seriesNumber' | 'description' | 'modality' | 'seriesUid'>): string {
  const slug = slugify(series.description) || slugify(series.modality) || 'series';
  if (series.seriesNumber === null || !Number.isFinite(series.seriesNumber)) return `${slug}_${seriesHash(series.seriesUid)}`;
  const n = String(Math.abs(Math.trunc(series.seriesNumber)));
  return `${n}_${slug}`;
}

/** The readable name plus the series hash: used when the readable name is taken by another series. */
export function uniqueScanName(series: Pick<DicomSeries, 'seriesNumber' | 'description' | 'modality' | 'seriesUid'>): string {
  const base = scanName(series);
  const hash = seriesHash(series.seriesUid);
  return base.endsWith(`_${hash}`) ? base : `${base}_${hash}`;
}
