/**
 * File name → Content-Type. Multi-part extensions (.nii.gz) are checked before single ones so a
 * gzipped NIfTI is `application/gzip` (NiiVue sniffs the magic bytes; the type must not make
 * browsers decompress it behind the viewer's back, which `Content-Encoding` would).
 */
const BY_SUFFIX: ReadonlyArray<readonly [string, string]> = [
  ['.nii.gz', 'application/gzip'],
  ['.nii', 'application/octet-stream'],
  ['.gz', 'application/gzip'],
  ['.dcm', 'application/dicom'],
  ['.json', 'application/json; charset=utf-8'],
  ['.glb', 'model/gltf-binary'],
  ['.gltf', 'model/gltf+json'],
  ['.obj', 'model/obj'],
  ['.stl', 'model/stl'],
  ['.ply', 'application/octet-stream'],
  ['.vtk', 'application/octet-stream'],
  ['.csv', 'text/csv; charset=utf-8'],
  ['.txt', 'text/plain; charset=utf-8'],
  ['.log', 'text/plain; charset=utf-8'],
  ['.html', 'text/html; charset=utf-8'],
  ['.htm', 'text/html; charset=utf-8'],
  ['.png', 'image/png'],
  ['.jpg', 'image/jpeg'],
  ['.jpeg', 'image/jpeg'],
  ['.svg', 'image/svg+xml'],
  ['.zip', 'application/zip'],
  ['.nrrd', 'application/octet-stream'],
  ['.mha', 'application/octet-stream'],
];

export function contentTypeFor(fileName: string): string {
  const lower = fileName.toLowerCase();
  for (const [suffix, type] of BY_SUFFIX) if (lower.endsWith(suffix)) return type;
  return 'application/octet-stream';
}

/** Text-like types worth gzipping on the fly; binary volumes are already compressed or noise-like. */
const COMPRESSIBLE = /^(text\/|application\/json|model\/obj|model\/gltf\+json|image\/svg\+xml)/;

export function isCompressible(contentType: string): boolean {
  return COMPRESSIBLE.test(contentType);
}

/** Types a browser would render as active content: served sandboxed so an uploaded page cannot run scripts. */
export function isActiveContent(contentType: string): boolean {
  return contentType.startsWith('text/html') || contentType.startsWith('image/svg+xml');
}
