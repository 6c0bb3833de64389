import type { Command } from 'commander';
import { register as convert } from './convert.js';
import { register as dicomweb } from './dicomweb.js';
import { register as exportCmd } from './export.js';
import { register as mesh } from './mesh.js';
import { register as segment } from './segment.js';
import { register as series } from './series.js';

/** Every command module exports `register(program)`; add new ones here. */
export const COMMANDS: Array<(program: Command) => void> = [convert, series, segment, mesh, dicomweb, exportCmd];
