/**
 * An image's size from its file header, read in JavaScript: a JPEG's frame header (SOF) and EXIF
 * orientation (APP1, TIFF IFD0 tag 0x0112), a PNG's IHDR. With the size known before decoding,
 * one sharp call can decode and resize an image; asking sharp for the size first costs a second
 * call, and sharp's fixed cost per call dominates the decoding of small images. Anything this
 * reader is not sure of (other formats, a PNG with EXIF, an odd JPEG, a header cut short) gives
 * undefined, and the caller asks sharp instead. The server reads it for each request's image, the
 * trainer for every image of its data set when it opens it.
 */

/** The size an image has once decoded and EXIF-oriented (what sharp's autoOrient gives). */
export interface ImageHeader {
  format: 'jpeg' | 'png';
  width: number;
  height: number;
  /** EXIF orientation, 1 (as stored) to 8; 1 when the file has none. */
  orientation: number;
  /**
   * An 8-bit gray or YCbCr JPEG with no colour profile (ICC) and no Adobe colour transform
   * marker: libjpeg alone decodes it to the pixels sharp gives (sharp converts profiled and CMYK
   * images to sRGB itself). False for a PNG.
   */
  plainJpeg: boolean;
}

/** Reads `bytes`' header; undefined when it is not a JPEG or PNG this reader fully understands. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length >= 24 && bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return pngHeader(bytes);
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8) return jpegHeader(bytes);
  return undefined;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** IHDR's size; undefined when an eXIf chunk (which may carry an orientation) comes before the pixels. */
function pngHeader(b: Uint8Array): ImageHeader | undefined {
  if (PNG_SIGNATURE.some((v, i) => b[i] !== v)) return undefined;
  if (chunkType(b, 8) !== 'IHDR') return undefined;
  const width = u32(b, 16);
  const height = u32(b, 20);
  for (let at = 8; at + 8 <= b.length;) {
    const type = chunkType(b, at);
    if (type === 'eXIf') return undefined;
    if (type === 'IDAT' || type === 'IEND') return width > 0 && height > 0 ? { format: 'png', width, height, orientation: 1, plainJpeg: false } : undefined;
    at += 12 + u32(b, at);
  }
  return undefined;
}

function chunkType(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at + 4], b[at + 5], b[at + 6], b[at + 7]);
}

/** Start-of-frame markers that carry the image size (not DHT C4, JPG C8, DAC CC). */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Walks the marker segments up to the scan: the frame's size, turned by the EXIF orientation. */
function jpegHeader(b: Uint8Array): ImageHeader | undefined {
  let size: { width: number; height: number } | undefined;
  let orientation = 1;
  let plain = false;
  let profiled = false;
  let exifSegments = 0;
  let at = 2;
  while (at + 4 <= b.length) {
    if (b[at] !== 0xff) return undefined;
    const marker = b[at + 1];
    if (marker === 0xff) { at++; continue; } // fill byte
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { at += 2; continue; }
    if (marker === 0xda || marker === 0xd9) break; // the scan (or the end): every header segment is behind us
    const length = u16be(b, at + 2);
    const body = at + 4;
    if (length < 2 || at + 2 + length > b.length) return undefined;
    if (SOF.has(marker)) {
      if (size || length < 8) return undefined;
      size = { height: u16be(b, body + 1), width: u16be(b, body + 3) };
      const components = b[body + 5];
      plain = b[body] === 8 && (components === 1 || components === 3);
    } else if (marker === 0xe1 && isExif(b, body, length - 2)) {
      const o = exifOrientation(b.subarray(body + 6, at + 2 + length));
      if (o === undefined || ++exifSegments > 1) return undefined;
      orientation = o;
    } else if ((marker === 0xe2 && hasPrefix(b, body, length - 2, ICC)) || (marker === 0xee && hasPrefix(b, body, length - 2, ADOBE))) {
      profiled = true;
    }
    at += 2 + length;
  }
  if (!size || size.width === 0 || size.height === 0) return undefined;
  // Orientations 5-8 turn the image by 90 degrees: the decoded width is the stored height.
  const plainJpeg = plain && !profiled;
  return orientation >= 5 ? { format: 'jpeg', width: size.height, height: size.width, orientation, plainJpeg } : { format: 'jpeg', ...size, orientation, plainJpeg };
}

const ICC = [...'ICC_PROFILE\0'].map((c) => c.charCodeAt(0));
const ADOBE = [...'Adobe'].map((c) => c.charCodeAt(0));

function hasPrefix(b: Uint8Array, at: number, length: number, prefix: number[]): boolean {
  return length >= prefix.length && prefix.every((v, i) => b[at + i] === v);
}

function isExif(b: Uint8Array, at: number, length: number): boolean {
  return length >= 6 && b[at] === 0x45 && b[at + 1] === 0x78 && b[at + 2] === 0x69 && b[at + 3] === 0x66 && b[at + 4] === 0 && b[at + 5] === 0;
}

/** The orientation tag of IFD0 in a TIFF block: 1 when absent, undefined when unreadable or not 1-8. */
function exifOrientation(t: Uint8Array): number | undefined {
  if (t.length < 8) return undefined;
  const little = t[0] === 0x49 && t[1] === 0x49;
  if (!little && !(t[0] === 0x4d && t[1] === 0x4d)) return undefined;
  const u16 = (at: number) => (little ? t[at] | (t[at + 1] << 8) : (t[at] << 8) | t[at + 1]);
  const u32at = (at: number) => (little ? (t[at] | (t[at + 1] << 8) | (t[at + 2] << 16)) + t[at + 3] * 2 ** 24 : u32(t, at));
  if (u16(2) !== 42) return undefined;
  const ifd = u32at(4);
  if (ifd + 2 > t.length) return undefined;
  const entries = u16(ifd);
  if (ifd + 2 + entries * 12 > t.length) return undefined;
  for (let k = 0; k < entries; k++) {
    const entry = ifd + 2 + k * 12;
    if (u16(entry) !== 0x0112) continue;
    if (u16(entry + 2) !== 3 || u32at(entry + 4) !== 1) return undefined; // one SHORT, as EXIF defines it
    const value = u16(entry + 8);
    return value >= 1 && value <= 8 ? value : undefined;
  }
  return 1;
}

function u16be(b: Uint8Array, at: number): number {
  return (b[at] << 8) | b[at + 1];
}

function u32(b: Uint8Array, at: number): number {
  return b[at] * 2 ** 24 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
}
