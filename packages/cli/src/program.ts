import { Command } from 'commander';
import { COMMANDS } from './commands/index.js';

export const VERSION = '1.1.0';

/** The `vista3d` program with every command registered (not parsed). */
export function buildProgram(): Command {
  const program = new Command('vista3d')
    .description('Vista3D Platform command-line tool: DICOM conversion, segmentation, DICOMweb import')
    .version(VERSION)
    .showHelpAfterError();
  for (const register of COMMANDS) register(program);
  return program;
}
