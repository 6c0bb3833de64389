// A tiny stand-in for the frontend server API, used only to develop the web app while the real
// server is being written (not used by app.test.ts, which runs the real services). Serves WEB_ROOT,
// /images/output/* from the output folder, and fakes a segmentation job by copying a reference label map.
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { LABEL_SETS, LABELS } from '@vista3d/labels';
import { readNifti, readNiftiHeader } from '@vista3d/volume';

const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.gz': 'application/gzip' };

interface StubJob { id: string; type: string; status: string; progress: number; message: string; patient?: string; scan?: string; createdAt: string; startedAt?: string; finishedAt?: string; results: unknown[]; items: { total: number; done: number } }

export async function startStub(opts: { webRoot: string; outputFolder: string; referenceSeg: string }): Promise<{ url: string; close: () => Promise<void> }> {
  const jobs = new Map<string, StubJob>();
  const clients = new Set<ServerResponse>();
  const emit = (j: StubJob) => { for (const c of clients) c.write(`event: job\ndata: ${JSON.stringify(j)}\n\n`); };
  const json = (res: ServerResponse, code: number, body: unknown) => { res.writeHead(code, { 'content-type': 'application/json' }); res.end(JSON.stringify(body)); };
  const sendFile = async (res: ServerResponse, path: string) => {
    try {
      await stat(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' });
      createReadStream(path).pipe(res);
    } catch {
      json(res, 404, { statusCode: 404, error: 'Not Found', code: 'NOT_FOUND', message: `not found: ${path}` });
    }
  };
  const scans = async (p: string) => {
    const dir = join(opts.outputFolder, p, 'nifti');
    const files = (await readdir(dir)).filter((f) => f.endsWith('.nii.gz'));
    return Promise.all(files.map(async (f) => {
      const id = f.replace(/\.nii\.gz$/, '');
      const h = await readNiftiHeader(join(dir, f));
      const segPath = join(opts.outputFolder, p, 'voxels', id, 'all.nii.gz');
      let segmentation = null;
      try {
        const v = await readNifti(segPath);
        const counts = new Map<number, number>();
        const data = v.data as ArrayLike<number>;
        for (let i = 0; i < data.length; i++) { const x = data[i]; if (x) counts.set(x, (counts.get(x) ?? 0) + 1); }
        const vox = v.spacing[0] * v.spacing[1] * v.spacing[2] / 1000;
        segmentation = { url: `/images/output/${p}/voxels/${id}/all.nii.gz`, labels: [...counts].map(([lid, n]) => { const l = LABELS.find((x) => x.id === lid); return { id: lid, name: l?.name ?? `label ${lid}`, color: l?.color ?? [200, 200, 200], voxels: n, volumeMl: n * vox, url: `/images/output/${p}/voxels/${id}/all.nii.gz` }; }) };
      } catch { /* not segmented */ }
      const hh = h as unknown as { dims: number[]; spacing: number[]; datatype: string };
      return { id, file: f, sizeBytes: (await stat(join(dir, f))).size, dims: hh.dims, spacing: hh.spacing, datatype: String(hh.datatype), orientation: 'RAS', imageUrl: `/images/output/${p}/nifti/${f}`, segmentation, meshes: [] };
    }));
  };
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const path = decodeURIComponent(u.pathname);
    let m: RegExpMatchArray | null;
    if (path === '/api/session') return json(res, 200, { mode: 'off', user: null });
    if (path === '/api/labels') return json(res, 200, { labels: LABELS.map((l) => ({ id: l.id, name: l.name, color: l.color, group: l.group })), labelSets: LABEL_SETS.map((s) => ({ name: s.name, description: s.description, labelIds: s.labels.map((l) => l.id) })) });
    if (path === '/api/status') {
      const ps = await readdir(opts.outputFolder);
      return json(res, 200, { backend: { url: 'http://stub:8000', live: true, ready: true, engine: 'stub', version: '0' }, imageServer: { url: 'http://stub:8888', live: true, version: '0' }, counts: { patients: ps.length, scans: ps.length, segmentations: 0 }, recentJobs: [...jobs.values()] });
    }
    if (path === '/api/patients') {
      const ps = await readdir(opts.outputFolder);
      return json(res, 200, await Promise.all(ps.map(async (p) => { const s = await scans(p); return { id: p, scans: s.length, segmentations: s.filter((x) => x.segmentation).length, hasDicom: false }; })));
    }
    if ((m = path.match(/^\/api\/patients\/([^/]+)\/scans$/))) return json(res, 200, await scans(m[1]));
    if (path === '/api/jobs' && req.method === 'GET') return json(res, 200, [...jobs.values()]);
    if (path === '/api/jobs' && req.method === 'POST') {
      let body = '';
      for await (const c of req) body += c;
      const b = JSON.parse(body) as { type: string; patient?: string; scan?: string };
      const j: StubJob = { id: `job${jobs.size + 1}`, type: b.type, status: 'queued', progress: 0, message: 'queued', patient: b.patient, scan: b.scan, createdAt: new Date().toISOString(), results: [], items: { total: 1, done: 0 } };
      jobs.set(j.id, j);
      let step = 0;
      const t = setInterval(async () => {
        step++;
        Object.assign(j, { status: 'running', startedAt: j.startedAt ?? new Date().toISOString(), progress: Math.min(0.95, step / 8), message: `stage ${step}` });
        if (step >= 8) {
          clearInterval(t);
          if (b.type === 'segment' && b.patient && b.scan) {
            await mkdir(join(opts.outputFolder, b.patient, 'voxels', b.scan), { recursive: true });
            await copyFile(opts.referenceSeg, join(opts.outputFolder, b.patient, 'voxels', b.scan, 'all.nii.gz'));
          }
          Object.assign(j, { status: 'succeeded', progress: 1, message: 'done', finishedAt: new Date().toISOString(), items: { total: 1, done: 1 } });
        }
        emit(j);
      }, 250);
      return json(res, 202, j);
    }
    if (path === '/api/events') {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': hi\n\n');
      clients.add(res);
      req.on('close', () => clients.delete(res));
      return;
    }
    if (path.startsWith('/images/output/')) return sendFile(res, join(opts.outputFolder, normalize(path.slice('/images/output/'.length))));
    if (path.startsWith('/api/')) return json(res, 404, { statusCode: 404, error: 'Not Found', code: 'NOT_FOUND', message: `stub has no ${req.method} ${path}` });
    return sendFile(res, join(opts.webRoot, path === '/' ? 'index.html' : normalize(path)));
  };
  const server: Server = createServer((req, res) => { handler(req, res).catch((e: Error) => json(res, 500, { statusCode: 500, error: 'x', code: 'STUB', message: e.message })); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${addr.port}`,
    close: async () => { for (const c of clients) c.end(); await new Promise<void>((r) => server.close(() => r())); },
  };
}
