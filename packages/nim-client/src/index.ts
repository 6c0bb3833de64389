export { createNimClient, NimError, encodePrompts, labelVolumeFromResponse } from './client.js';
export type { NimClient, NimClientOptions, NimPrompts, NimInfo, NimHealth, InferOptions, WirePrompts } from './client.js';
