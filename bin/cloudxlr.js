#!/usr/bin/env node
// The `cloudxlr` command: `cloudxlr cloud start`, `cloudxlr scan`, `cloudxlr deploy`.
// Written so that any old Node can parse it and say which Node is needed.
'use strict';
var parts = process.versions.node.split('.').map(Number);
if (parts[0] < 20 || (parts[0] === 20 && parts[1] < 19)) {
  console.error(
    'cloudxlr needs Node.js 20.19 or newer (the local cloud: 22.13 or newer); found Node.js ' +
      process.versions.node +
      ' (' +
      process.execPath +
      '). Install Node.js 24 LTS from https://nodejs.org or with a version manager (for example `nvm install 24`), then try again.',
  );
  process.exit(1);
}
require('../dist/cli.js');
