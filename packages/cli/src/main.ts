import { CommanderError } from 'commander';
import { buildProgram } from './program.js';
import { UsageError } from './ui.js';

/** Runs the CLI with `argv` (as process.argv); resolves with the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    const msg = e instanceof Error ? e.message : String(e);
    process.stderr.write(`vista3d: ${msg}\n`);
    return e instanceof UsageError ? 2 : 1;
  }
}
