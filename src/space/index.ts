export * from './dsl.ts';
export * from './schema.ts';
export * from './transform.ts';
export * from './conditions.ts';
