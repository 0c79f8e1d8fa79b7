export { defineTemplate, type TemplateDefinition } from './define.ts';
