#!/usr/bin/env node
// The `cloudxlr` command: `cloudxlr cloud start`, `cloudxlr scan`, `cloudxlr deploy`.
require('../dist/cli.js');
