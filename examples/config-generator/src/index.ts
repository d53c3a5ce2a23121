#!/usr/bin/env node
/**
 * `node dist/index.js [out-dir]`: writes every template and a LoRA r × learning-rate sweep as
 * validated JSON configs, and prints each one's memory estimate.
 */
import { resolve } from 'node:path';
import { formatReport, generateSweep, generateTemplates } from './generate';

const outDir = resolve(process.argv[2] ?? 'generated-configs');
const templates = generateTemplates(outDir);
const sweep = generateSweep(outDir);
process.stdout.write(`Templates → ${outDir}/templates\n${formatReport(templates)}\n\n`);
process.stdout.write(`Sweep (LoRA r × learning rate) → ${outDir}/sweep\n${formatReport(sweep)}\n`);
if ([...templates, ...sweep].some((result) => !result.valid)) process.exitCode = 1;
