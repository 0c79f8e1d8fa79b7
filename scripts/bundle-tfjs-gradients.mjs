/**
 * Build step: bundles tfjs-core's gradient and chained-op registrations into one CommonJS file,
 * dist/vendor/tfjs-core-gradients.cjs. tfjs-core ships them only as ESM with extensionless
 * relative imports, which Node's resolver rejects; loading them through a resolve hook cost every
 * YOLOv5 trial 2-4 s. The bundle's copies of tfjs-core internals share the engine and the
 * registries with the package's CommonJS build through TF.js's global namespace.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  stdin: {
    contents: [
      "import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';",
      "import '@tensorflow/tfjs-core/dist/register_all_gradients.js';",
    ].join('\n'),
    resolveDir: root,
    loader: 'js',
  },
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: `${root}dist/vendor/tfjs-core-gradients.cjs`,
  logLevel: 'warning',
  legalComments: 'inline',
});
