// Entry of the compiled `vista3d` bin (scripts/build-cli.mjs bundles it to dist/vista3d.mjs).
import { main } from './main.js';

process.exitCode = await main(process.argv);
