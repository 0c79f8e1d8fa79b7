/**
 * Registers TF.js's gradient functions and chained tensor ops, which `@tensorflow/tfjs-core`'s
 * CommonJS build alone does not: tfjs-core ships them only as ESM with extensionless relative
 * imports that Node's resolver rejects. The build bundles them into one CommonJS file
 * (scripts/bundle-tfjs-gradients.mjs); its copies of tfjs-core internals share the engine and the
 * kernel and gradient registries with the CommonJS build through TF.js's global namespace (the
 * mechanism TF.js has for duplicate copies).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { getGradient } from '@tensorflow/tfjs-core';
import { packageRoot } from '../../../core/index.ts';

const BUNDLE = 'dist/vendor/tfjs-core-gradients.cjs';

/** Registers all of tfjs-core's gradients and chained tensor ops. Idempotent; process-global. */
export function registerCoreGradients(): void {
  if (getGradient('AddN') != null) return;
  const file = join(packageRoot() ?? '.', BUNDLE);
  if (!existsSync(file)) throw new Error(`TF.js gradients not built: ${file} is missing; run \`npm run build\` in the hpo package`);
  createRequire(import.meta.url)(file);
}
