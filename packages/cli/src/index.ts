export { buildProgram } from './program.js';
export { main } from './main.js';
export { table, UsageError } from './ui.js';
