/**
 * Runs the SIMD module of programs.ts on the WASM backend's heap: one instance per backend,
 * importing the backend's own WasmMemory, so kernels pass tensors by heap offset with no
 * copies. `simdFor` returns null where this is impossible (the cpu backend, a wasm build that does
 * not expose its memory, an engine without SIMD); callers then use their plain JS loops.
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';
import { buildSimdModule, type SimdExports } from './programs.ts';

// The project's TypeScript libs (no DOM) declare no WebAssembly values; these are the few we use.
interface WasmMemory { readonly buffer: ArrayBuffer }
interface WasmApi {
  Memory: new (d: { initial: number }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (mod: object, imports: object) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface WasmBackendLike {
  wasm: { asm?: { memory?: unknown } };
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object): boolean;
}

/** A backend's SIMD functions, its memory, and heap-offset helpers. */
export interface SimdContext {
  fns: SimdExports;
  memory: WasmMemory;
  backend: WasmBackendLike;
  /** Byte offset of a tensor's data in the heap. */
  offset(info: TensorInfo): number;
}

const contexts = new WeakMap<object, SimdContext | null>();
let moduleBytes: object | null | undefined;

function compiled(): object | null {
  if (moduleBytes === undefined) {
    const bytes = buildSimdModule();
    moduleBytes = WA.validate(bytes) ? new WA.Module(bytes) : null;
  }
  return moduleBytes ?? null;
}

/** The SIMD context of `backend`, or null when it is not a WASM backend we can share memory with. */
export function simdFor(backend: object): SimdContext | null {
  const known = contexts.get(backend);
  if (known !== undefined) return known;
  let ctx: SimdContext | null = null;
  const b = backend as Partial<WasmBackendLike>;
  const memory = b.wasm?.asm?.memory;
  if (memory instanceof WA.Memory && b.dataIdMap != null && typeof b.makeOutput === 'function') {
    const mod = compiled();
    if (mod != null) {
      const fns = new WA.Instance(mod, { env: { memory } }).exports as unknown as SimdExports;
      const wb = backend as WasmBackendLike;
      ctx = {
        fns, memory, backend: wb,
        offset: (info) => {
          const entry = wb.dataIdMap.get(info.dataId);
          if (entry == null) throw new Error('SIMD kernel: tensor data is not on this wasm backend');
          return entry.memoryOffset;
        },
      };
    }
  }
  contexts.set(backend, ctx);
  return ctx;
}

/**
 * Allocates a float32 scratch buffer of `floats` elements on the heap; `free` releases it. Byte
 * offset 8-aligned (the allocator's guarantee), so float64 views may start at it.
 */
export function scratch(ctx: SimdContext, floats: number): { info: TensorInfo; at: number; free(): void } {
  const info = ctx.backend.makeOutput([floats], 'float32');
  return { info, at: ctx.offset(info), free: () => { ctx.backend.disposeData(info.dataId); } };
}
