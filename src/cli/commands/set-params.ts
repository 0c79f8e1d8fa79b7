/** `--set` parsing lives in config so the UI's clone form validates with the same rule. */
export { parseSetFlags } from '../../config/set-params.ts';
