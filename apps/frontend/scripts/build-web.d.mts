export declare const DEFAULT_OUTDIR: string;
export interface BuildWebOptions {
  outdir?: string;
  minify?: boolean;
  sourcemap?: boolean;
}
export interface BuildWebResult {
  outdir: string;
  files: Array<{ file: string; bytes: number }>;
  ms: number;
}
export declare function buildWeb(options?: BuildWebOptions): Promise<BuildWebResult>;
