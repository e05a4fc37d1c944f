#!/usr/bin/env node
// `npx orixoon …`: the command line, bundled by `npm run build` into dist/cli.js.
import '../dist/cli.js';
