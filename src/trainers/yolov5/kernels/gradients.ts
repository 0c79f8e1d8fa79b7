/**
 * Registers TF.js's gradient functions, which `@tensorflow/tfjs-core` alone does not: the
 * `@tensorflow/tfjs` umbrella package normally imports `tfjs-core/dist/register_all_gradients`,
 * but that file and its imports are ESM with extensionless relative specifiers that Node's
 * resolver rejects. A resolve hook scoped to tfjs-core's dist folder adds the `.js` Node expects;
 * the modules it loads share the engine and the kernel/gradient registries with the CommonJS
 * build through TF.js's global namespace (the mechanism TF.js has for duplicate copies).
 */
import { register } from 'node:module';
import { getGradient } from '@tensorflow/tfjs-core';

const RESOLVE_HOOK = `
const DIST = '/@tensorflow/tfjs-core/dist/';
export async function resolve(specifier, context, next) {
  const parent = context.parentURL ?? '';
  if (parent.includes(DIST) && specifier.startsWith('.') && !specifier.endsWith('.js')) {
    try { return await next(specifier + '.js', context); } catch { return next(specifier + '/index.js', context); }
  }
  return next(specifier, context);
}`;

let loading: Promise<void> | undefined;

/** Registers all of tfjs-core's gradients and chained tensor ops. Idempotent; process-global. */
export function registerCoreGradients(): Promise<void> {
  loading ??= (async () => {
    if (getGradient('AddN') != null) return;
    register(`data:text/javascript,${encodeURIComponent(RESOLVE_HOOK)}`);
    await import('@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js' as string);
    await import('@tensorflow/tfjs-core/dist/register_all_gradients.js' as string);
  })();
  return loading;
}
