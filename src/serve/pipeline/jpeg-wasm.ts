/**
 * JPEG decoding in WebAssembly (@jsquash/jpeg: mozjpeg's decoder, the libjpeg-turbo code that
 * sharp's own libvips uses), called synchronously on the server's thread. For the small images a
 * detector serves, sharp's fixed cost per call (a libvips pipeline, a hop to libuv's threads and
 * back) is most of the decode: at 128 px 1.16 CPU ms per image against 0.33 here, at 320 px 2.5
 * against 1.5, with the same pixels bit for bit (same library, same integer IDCT and upsampling).
 * libjpeg's warnings (a truncated or corrupt file) and fatal errors both make the decode give up
 * (undefined), so the caller hands such a file to sharp and keeps sharp's verdict and message.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import factory, { type MozJPEGModule } from '@jsquash/jpeg/codec/dec/mozjpeg_dec.js';

/** Interleaved RGBA bytes (alpha 255) as libjpeg gives them. */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}

let wasmBinary: Buffer | undefined;
let decoder: Promise<MozJPEGModule> | undefined;
let messages = 0;

/** A fresh decoder instance. A fatal libjpeg error calls exit(), which leaves an instance unusable. */
function instantiate(): Promise<MozJPEGModule> {
  // Given the bytes, the glue instantiates them itself instead of fetch()ing a URL (no fetch of files in Node).
  wasmBinary ??= readFileSync(fileURLToPath(import.meta.resolve('@jsquash/jpeg/codec/dec/mozjpeg_dec.wasm')));
  return factory({
    noInitialRun: true,
    wasmBinary,
    // libjpeg prints its warnings (premature end of file, corrupt data) and errors to stderr.
    print: () => { messages++; },
    printErr: () => { messages++; },
  } as Parameters<typeof factory>[0]);
}

/**
 * Decodes an 8-bit gray or YCbCr JPEG as stored, without applying an EXIF orientation or a
 * colour profile (the caller checks the header for both). Undefined when the decoder refused the
 * file or warned about it: the caller then decodes with sharp.
 */
export async function decodeJpeg(bytes: Uint8Array): Promise<RgbaImage | undefined> {
  const current = (decoder ??= instantiate());
  const module = await current;
  const before = messages;
  let out: { data: Uint8ClampedArray; width: number; height: number } | null;
  try {
    out = module.decode(bytes, false);
  } catch {
    // exit() from libjpeg's error handler: this instance is spent, the next image gets a new one.
    if (decoder === current) decoder = undefined;
    return undefined;
  }
  if (!out || messages !== before) return undefined;
  return { data: new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.byteLength), width: out.width, height: out.height };
}
