import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { TEMP_FILE, urlFor } from './request-path.js';
import { isInside } from './resolve.js';

export interface ListingEntry {
  name: string;
  type: 'file' | 'directory';
  size: number;
  /** ISO 8601. */
  mtime: string;
  url: string;
}

/**
 * Lists a directory: files and folders only, sorted folders first. Temp files of in-flight uploads
 * are hidden, and symlinks whose target lies outside the root are left out rather than advertised.
 */
export async function listDirectory(dir: string, root: string, mount: string, segments: readonly string[]): Promise<ListingEntry[]> {
  const dirents = await readdir(dir, { withFileTypes: true });
  const entries: ListingEntry[] = [];
  for (const d of dirents) {
    if (TEMP_FILE.test(d.name)) continue;
    const full = join(dir, d.name);
    try {
      if (d.isSymbolicLink() && !isInside(root, await realpath(full))) continue;
      const st = await stat(full);
      if (!st.isFile() && !st.isDirectory()) continue; // sockets, fifos: nothing to serve
      const directory = st.isDirectory();
      entries.push({
        name: d.name,
        type: directory ? 'directory' : 'file',
        size: directory ? 0 : st.size,
        mtime: st.mtime.toISOString(),
        url: urlFor(mount, [...segments, d.name], directory),
      });
    } catch {
      // Vanished between readdir and stat, or a dangling link: not listable.
    }
  }
  return entries.sort((a, b) => (a.type === b.type ? a.name.localeCompare(b.name) : a.type === 'directory' ? -1 : 1));
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** A plain HTML index; names are escaped (they come from the filesystem, i.e. from uploads). */
export function renderListingHtml(title: string, parentUrl: string | null, entries: readonly ListingEntry[]): string {
  const rows = entries
    .map(
      (e) =>
        `<tr><td><a href="${escapeHtml(e.url)}">${escapeHtml(e.name)}${e.type === 'directory' ? '/' : ''}</a></td>` +
        `<td>${e.type === 'directory' ? '-' : humanSize(e.size)}</td><td>${escapeHtml(e.mtime)}</td></tr>`,
    )
    .join('\n');
  const up = parentUrl === null ? '' : `<tr><td><a href="${escapeHtml(parentUrl)}">../</a></td><td></td><td></td></tr>\n`;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>Index of ${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:2em}td{padding:2px 1em 2px 0}th{text-align:left}</style></head>
<body><h1>Index of ${escapeHtml(title)}</h1>
<table><thead><tr><th>Name</th><th>Size</th><th>Modified</th></tr></thead><tbody>
${up}${rows}
</tbody></table></body></html>
`;
}
