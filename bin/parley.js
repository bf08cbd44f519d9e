#!/usr/bin/env node
// The `parley` command: runs src/main.ts through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
