#!/usr/bin/env node
// The published bin: a committed file, so package managers can link it before dist/ is built
// (a bin pointing into dist/ fails to link in a fresh workspace).
import '../dist/cli.js';
