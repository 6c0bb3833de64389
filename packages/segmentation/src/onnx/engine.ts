import type { EngineConfig, EngineInfo, SegmentationEngine, SegmentationRequest } from '../engine.js';
import type { Volume } from '@vista3d/volume';
export class OnnxEngine implements SegmentationEngine {
  readonly info = {} as EngineInfo;
  constructor(_c: Extract<EngineConfig, { kind: 'onnx' }>) {}
  async ready(): Promise<void> { throw new Error('not implemented'); }
  async segment(_ct: Volume, _r: SegmentationRequest): Promise<Volume<Uint8Array>> { throw new Error('not implemented'); }
  async dispose(): Promise<void> {}
}
