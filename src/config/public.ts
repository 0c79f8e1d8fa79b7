/** What `hpo.config.ts` files import: the config helper and the search-space DSL. */
export { defineConfig, defineTemplate } from './define.ts';
export { float, int, categorical } from '../space/index.ts';
