/** WebAssembly opcodes our SIMD programs use (core spec and fixed-width SIMD numbering). */
export const I32_ADD = 0x6a;
export const I32_SUB = 0x6b;
export const I32_MUL = 0x6c;
export const I32_DIV_U = 0x6e;
export const I32_EQ = 0x46;
export const I32_AND = 0x71;
export const I32_LT_S = 0x48;
export const I32_GT_S = 0x4a;
export const I32_GE_U = 0x4f;
export const SELECT = 0x1b;
export const F32_LOAD = 0x2a;
export const F32_STORE = 0x38;
export const F32X4_SPLAT = 0x13;
export const F32X4_ADD = 0xe4;
export const F32X4_SUB = 0xe5;
export const F32X4_MUL = 0xe6;
export const F64X2_ADD = 0xf0;
export const F64X2_PROMOTE_LOW = 0x5f;
export const I8X16_SHUFFLE = 0x0d;
/** Shuffle lanes moving f32 lanes 2, 3 to 0, 1. */
export const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7];
