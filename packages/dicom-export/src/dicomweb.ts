import { randomBytes } from 'node:crypto';

export interface StowResult {
  status: number;
  /** SOP Instance UIDs the server reports as failed (Failed SOP Sequence), with the reason code. */
  failed: Array<{ sopInstanceUid: string; reason: string }>;
  stored: number;
}

/**
 * STOW-RS: POST `<root>/studies` with a multipart/related body of application/dicom parts. Rejects
 * with the server's status and message when it refuses, or when it lists a failed instance.
 */
export async function stowInstances(root: string, instances: Uint8Array[], headers: Record<string, string> = {}): Promise<StowResult> {
  const u = new URL(root.replace(/\/+$/, ''));
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`DICOMweb URL must be http(s): ${root}`);
  const boundary = `vista3d-${randomBytes(12).toString('hex')}`;
  const parts: Uint8Array[] = [];
  for (const b of instances) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), b, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const res = await fetch(`${u.href.replace(/\/+$/, '')}/studies`, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': `multipart/related; type="application/dicom"; boundary=${boundary}`, Accept: 'application/dicom+json' },
    body: Buffer.concat(parts),
  });
  const text = await res.text();
  let json: Record<string, { Value?: Array<Record<string, { Value?: unknown[] }>> }> = {};
  try {
    json = text ? (JSON.parse(text) as typeof json) : {};
  } catch {
    // some servers answer XML or nothing: the status decides
  }
  const failed = (json['00081198']?.Value ?? []).map((item) => ({
    sopInstanceUid: String(item['00081155']?.Value?.[0] ?? ''),
    reason: String(item['00081197']?.Value?.[0] ?? ''),
  }));
  const stored = (json['00081199']?.Value ?? []).length;
  if (!res.ok || failed.length > 0) {
    throw new Error(`STOW-RS to ${u.host} failed: HTTP ${res.status}${failed.length ? `, ${failed.length} instance(s) refused (reason ${failed[0]!.reason})` : ''}${text && !res.ok ? `: ${text.slice(0, 200)}` : ''}`);
  }
  return { status: res.status, failed, stored };
}

/** WADO-RS retrieve of one instance as Part 10 bytes (the first part of the multipart answer). */
export async function retrieveInstance(root: string, study: string, series: string, sop: string, headers: Record<string, string> = {}): Promise<Uint8Array> {
  for (const uid of [study, series, sop]) if (!/^[0-9]+(\.[0-9]+)*$/.test(uid)) throw new Error(`not a DICOM UID: ${uid}`);
  const base = root.replace(/\/+$/, '');
  const res = await fetch(`${base}/studies/${study}/series/${series}/instances/${sop}`, {
    headers: { ...headers, Accept: 'multipart/related; type="application/dicom"' },
  });
  if (!res.ok) throw new Error(`WADO-RS ${sop}: HTTP ${res.status}`);
  const body = new Uint8Array(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  const m = /boundary="?([^";]+)"?/i.exec(type);
  if (!m) return body;
  const boundary = Buffer.from(`--${m[1]}`);
  const buf = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const start = buf.indexOf(boundary);
  const headerEnd = buf.indexOf('\r\n\r\n', start);
  const end = buf.indexOf(Buffer.from(`\r\n--${m[1]}`), headerEnd + 4);
  if (start < 0 || headerEnd < 0 || end < 0) throw new Error(`WADO-RS ${sop}: malformed multipart answer`);
  return new Uint8Array(buf.subarray(headerEnd + 4, end));
}
