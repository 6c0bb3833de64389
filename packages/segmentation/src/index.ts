export type { PointPrompt, SegmentationRequest, EngineInfo, SegmentationEngine, EngineConfig } from './engine.js';
export { SegmentationInputError } from './engine.js';
// createEngine(config: EngineConfig): Promise<SegmentationEngine> — implemented in ./create-engine.ts
