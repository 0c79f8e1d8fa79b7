import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../core/index.ts';

/**
 * The front end: plain ES modules under src/ui/static/, imported by bare `hpo/<file>` names through
 * an import map. Found from the package root, so the build (dist/, which tsc fills with .ts output
 * only) serves the same files as the sources.
 */
export const STATIC_ROOT = (() => {
  const root = packageRoot();
  return root ? path.join(root, 'src/ui/static') : fileURLToPath(new URL('./static/', import.meta.url));
})();

/**
 * ECharts for the browser: the build step's bundle of only what the UI draws (scripts/bundle-echarts.mjs,
 * 0.68 MB), or ECharts' full build from node_modules (1.1 MB) where the project was not built.
 */
export function echartsPath(): string {
  const root = packageRoot();
  const slim = root && path.join(root, 'dist/vendor/echarts.hpo.min.js');
  return slim && existsSync(slim) ? slim : createRequire(import.meta.url).resolve('echarts/dist/echarts.min.js');
}

/** The build step's gzipped copy of the ECharts at `file`, if there is one. */
export function gzippedCopy(file: string): Buffer | undefined {
  return existsSync(`${file}.gz`) ? readFileSync(`${file}.gz`) : undefined;
}

/** Every front-end file, by its path under static/ (`app.js`, `pages/study.js`, `style.css`). */
export function staticFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else files.set(path.relative(STATIC_ROOT, full).split(path.sep).join('/'), readFileSync(full, 'utf8'));
    }
  };
  walk(STATIC_ROOT);
  return files;
}

export const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/**
 * The page shell. `imports` maps each `hpo/<file>.js` to a URL: /static/... when served, data: URLs
 * in a report. `head` carries what a report inlines (ECharts, its data).
 */
export function pageShell(options: { imports: Record<string, string>; css: string; head: string; title: string }): string {
  const importMap = JSON.stringify({ imports: options.imports }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(options.title)}</title>
<style>${options.css}</style>
<script type="importmap">${importMap}</script>
${options.head}
</head>
<body>
<header id="top"><a href="#/tasks" class="brand">hpo</a><nav id="nav"></nav><span id="live"></span></header>
<main id="main"><p class="muted">loading…</p></main>
<script type="module">import { start } from 'hpo/app.js'; start();</script>
</body>
</html>
`;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
