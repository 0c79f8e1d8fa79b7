/**
 * TF.js backend selection for the YOLOv5 trainer: tfjs-node-gpu > tfjs-node > wasm > cpu
 * (DESIGN.md, "TensorFlow.js backends"), plus registration of our training kernels.
 */
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { registerCoreGradients } from './kernels/gradients.ts';
import { registerSharedIdentity } from './kernels/identity.ts';
import { registerTrainingKernels } from './kernels/index.ts';

/** A backend a caller may ask for; 'tensorflow' is libtensorflow through tfjs-node(-gpu). */
export type BackendChoice = 'tensorflow' | 'wasm' | 'cpu';
const CHOICES: readonly BackendChoice[] = ['tensorflow', 'wasm', 'cpu'];

/** The env var that forces a backend, overriding the caller's preference. */
export const BACKEND_ENV = 'HPO_TF_BACKEND';

// Module names held in variables so TypeScript does not try to resolve these optional packages.
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'];

/**
 * Loads a TF.js backend package (CommonJS) for its side effect, registering the backend. Through
 * require, not import(): an ESM import makes Node lex the package's whole source for export
 * names first (tfjs-backend-wasm's 450 kB: tens of ms of every trial's start-up).
 */
export const loadBackendPackage: (name: string) => unknown = createRequire(import.meta.url);

async function tryNative(): Promise<boolean> {
  for (const name of NATIVE_PACKAGES) {
    try {
      await import(name);
      if (await tf.setBackend('tensorflow')) return true;
    } catch {
      // Not installed, or libtensorflow missing: fall through to the next option.
    }
  }
  return false;
}

async function tryWasm(): Promise<boolean> {
  try {
    loadBackendPackage('@tensorflow/tfjs-backend-wasm');
    return await tf.setBackend('wasm');
  } catch {
    return false;
  }
}

async function tryCpu(): Promise<boolean> {
  loadBackendPackage('@tensorflow/tfjs-backend-cpu');
  return tf.setBackend('cpu');
}

function parseChoice(value: string, source: string): BackendChoice {
  if ((CHOICES as readonly string[]).includes(value)) return value as BackendChoice;
  throw new Error(`${source}: unknown TF.js backend '${value}'; use one of ${CHOICES.join(', ')}`);
}

/**
 * Picks and initializes the TF.js backend and returns its name ('tensorflow', 'wasm' or 'cpu').
 * `HPO_TF_BACKEND` (if set) wins over `preferred`; a forced or preferred backend that cannot start
 * is an error naming it, while with no preference the order above falls through silently. Always
 * registers our training kernels (kernels/index.ts), tfjs-core's gradients (kernels/gradients.ts)
 * and, once wasm is loaded, its no-copy Identity (kernels/identity.ts).
 * Process-global: call once at trainer start.
 */
export async function initBackend(preferred?: BackendChoice): Promise<string> {
  registerTrainingKernels();
  registerCoreGradients();
  const env = process.env[BACKEND_ENV];
  const forced = env != null && env !== '' ? parseChoice(env, BACKEND_ENV) : undefined;
  const wanted = forced ?? (preferred != null ? parseChoice(preferred, 'initBackend(preferred)') : undefined);
  const starters: Record<BackendChoice, () => Promise<boolean>> = { tensorflow: tryNative, wasm: tryWasm, cpu: tryCpu };
  if (wanted != null) {
    if (!(await starters[wanted]())) {
      const hint = wanted === 'tensorflow' ? 'install @tensorflow/tfjs-node or @tensorflow/tfjs-node-gpu' : `check that @tensorflow/tfjs-backend-${wanted} is installed`;
      throw new Error(`TF.js backend '${wanted}' (from ${forced != null ? BACKEND_ENV : 'the preferred backend'}) could not start: ${hint}, or choose another backend`);
    }
  } else if (!(await tryNative()) && !(await tryWasm()) && !(await tryCpu())) {
    throw new Error('no TF.js backend could start (tried tfjs-node-gpu, tfjs-node, wasm, cpu)');
  }
  registerSharedIdentity(); // after the wasm import, which registers the copying one
  await tf.ready();
  return tf.getBackend();
}
