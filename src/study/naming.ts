import type { Params, ParamValue } from '../core/index.ts';

/** `yolov5s-synth: lr0=0.0123 momentum=0.91`: the short param name (after `/`) and 3-4 significant digits. */
export function trialName(templateName: string, searched: Params): string {
  const parts = Object.entries(searched).map(([key, value]) => `${key.split('/').pop()}=${formatValue(value)}`);
  return `${templateName}: ${parts.join(' ')}`;
}

export function formatValue(value: ParamValue | undefined): string {
  if (typeof value !== 'number') return String(value);
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) return value.toExponential(2);
  return String(Number(value.toPrecision(3)));
}
