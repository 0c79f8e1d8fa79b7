/**
 * A minimal WebAssembly binary writer: enough to build one module of SIMD loops that imports a
 * memory (the WASM backend's heap) and exports functions. Encoding per the WebAssembly core spec
 * (https://webassembly.github.io/spec/core/binary/) and the fixed-width SIMD proposal's opcodes.
 * The module is validated by the engine on compile, so an encoding slip fails loudly at load.
 */

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F32 | typeof F64 | typeof V128;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function name(s: string): number[] {
  const bytes = [...new TextEncoder().encode(s)];
  return [...uleb(bytes.length), ...bytes];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Emits one function body. Locals are numbered params first, then `local()` in call order. */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];

  constructor(readonly params: ValType[]) {}

  /** Declares a local of `type` and returns its index. */
  local(type: ValType): number {
    this.locals.push(type);
    return this.params.length + this.locals.length - 1;
  }

  get(i: number): this { this.code.push(0x20, ...uleb(i)); return this; }
  set(i: number): this { this.code.push(0x21, ...uleb(i)); return this; }
  tee(i: number): this { this.code.push(0x22, ...uleb(i)); return this; }
  i32(n: number): this { this.code.push(0x41, ...sleb(n | 0)); return this; }
  f32(x: number): this {
    const b = new Uint8Array(new Float32Array([x]).buffer);
    this.code.push(0x43, ...b);
    return this;
  }
  /** A plain opcode (i32.add = 0x6a, f32.mul = 0x94, ...). */
  op(...bytes: number[]): this { this.code.push(...bytes); return this; }
  /** A SIMD opcode (prefix 0xfd). */
  simd(code: number, ...imm: number[]): this { this.code.push(0xfd, ...uleb(code), ...imm); return this; }
  /** Memory access opcode with alignment log2 and offset. */
  mem(opcode: number, alignLog2: number, offset = 0): this { this.code.push(opcode, alignLog2, ...uleb(offset)); return this; }
  v128Load(offset = 0): this { this.code.push(0xfd, 0x00, 0, ...uleb(offset)); return this; }
  v128Store(offset = 0): this { this.code.push(0xfd, 0x0b, 0, ...uleb(offset)); return this; }
  /** v128.load32_splat: one float loaded into all four lanes. */
  load32Splat(offset = 0): this { this.code.push(0xfd, 0x09, 2, ...uleb(offset)); return this; }

  /** `block ... end` (br 0 inside jumps past the end). */
  block(body: () => void): this { this.code.push(0x02, 0x40); body(); this.code.push(0x0b); return this; }
  /** `loop ... end` (br 0 inside jumps back to the start). */
  loop(body: () => void): this { this.code.push(0x03, 0x40); body(); this.code.push(0x0b); return this; }
  br(depth: number): this { this.code.push(0x0c, ...uleb(depth)); return this; }
  brIf(depth: number): this { this.code.push(0x0d, ...uleb(depth)); return this; }

  /**
   * for (i = start; i < end; i += step) body(), with i32 locals; `start`, `end` (and `step`
   * when not a constant) emit expressions. Runs zero times when start >= end (signed compare).
   * Inside `body`, br depth 0 is the enclosing loop's continue target only through nested blocks.
   */
  forRange(i: number, start: () => void, end: () => void, step: number | (() => void), body: () => void): this {
    start();
    this.set(i);
    return this.block(() => {
      this.loop(() => {
        this.get(i);
        end();
        this.op(0x4e); // i32.ge_s
        this.brIf(1);
        body();
        this.get(i);
        if (typeof step === 'number') this.i32(step);
        else step();
        this.op(0x6a).set(i);
        this.br(0);
      });
    });
  }

  encode(): number[] {
    const groups: number[][] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last != null && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const body = [...uleb(groups.length), ...groups.flatMap(([n, t]) => [...uleb(n), t]), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** A module importing memory `env.memory` and exporting the functions added to it. */
export class ModuleBuilder {
  private readonly fns: { name: string; fn: FunctionBuilder; results: ValType[] }[] = [];

  /** Adds an exported function; `build` fills its body. */
  add(name: string, params: ValType[], build: (f: FunctionBuilder) => void, results: ValType[] = []): void {
    const fn = new FunctionBuilder(params);
    build(fn);
    this.fns.push({ name, fn, results });
  }

  encode(): Uint8Array {
    const section = (id: number, content: number[]) => [id, ...uleb(content.length), ...content];
    const types = vec(this.fns.map(({ fn, results }) => [0x60, ...vec(fn.params.map((t) => [t])), ...vec(results.map((t) => [t]))]));
    const imports = vec([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]]);
    const funcs = vec(this.fns.map((_, i) => uleb(i)));
    const exports = vec(this.fns.map(({ name: n }, i) => [...name(n), 0x00, ...uleb(i)]));
    const code = vec(this.fns.map(({ fn }) => fn.encode()));
    return new Uint8Array([
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, types), ...section(2, imports), ...section(3, funcs), ...section(7, exports), ...section(10, code),
    ]);
  }
}
