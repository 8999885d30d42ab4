#!/usr/bin/env node
// Launcher for the `tarmac` bin: registers tsx so the TypeScript CLI runs as-is, from any working directory.
import { register } from 'tsx/esm/api';

register();
await import('./tarmac.ts');
