#!/usr/bin/env node
// The CLI is bundled (npm run build) so that start-up reads a few files, not hundreds.
await import('../dist/bundle/main.js');
