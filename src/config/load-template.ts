import { z } from 'zod';
import { paramNameSchema } from '../space/index.ts';
import { parseOrThrow } from '../core/parse-input.ts';
import { loadDefaultExport } from './load-module.ts';
import type { TemplateDefinition } from './define.ts';

const templateSchema = z.strictObject({
  name: z.string().min(1),
  project: z.string().min(1).default('hpo'),
  trainer: z.looseObject({ type: z.string().min(1) }),
  params: z.record(paramNameSchema, z.union([z.number(), z.string(), z.boolean()])),
  tags: z.array(z.string()).default([]),
});

/** Loads `templates/*.ts` (default export of `defineTemplate`) and validates it. */
export async function loadTemplate(file: string): Promise<Required<TemplateDefinition>> {
  const raw = await loadDefaultExport(file, 'template');
  return parseOrThrow(templateSchema, raw, `template ${file}`) as Required<TemplateDefinition>;
}
