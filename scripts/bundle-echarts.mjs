/**
 * Build step: an ECharts bundle of only the charts and components the UI draws,
 * dist/vendor/echarts.hpo.min.js (a classic script defining window.echarts, like ECharts' own
 * dist build). The full build is 1.1 MB; a first visit to a study page spends most of its time
 * receiving, compiling and running it before the first chart can be drawn.
 */
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
await build({
  stdin: {
    contents: `
      import * as echarts from 'echarts/core';
      import { BarChart, CustomChart, LineChart, LinesChart, ParallelChart, ScatterChart } from 'echarts/charts';
      import { GridComponent, LegendComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
      import { CanvasRenderer } from 'echarts/renderers';
      echarts.use([BarChart, CustomChart, LineChart, LinesChart, ParallelChart, ScatterChart, GridComponent, LegendComponent, ParallelComponent, TitleComponent, TooltipComponent, VisualMapComponent, CanvasRenderer]);
      globalThis.echarts = echarts;
    `,
    resolveDir: root,
    loader: 'js',
  },
  bundle: true,
  minify: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2020',
  outfile: `${root}dist/vendor/echarts.hpo.min.js`,
  logLevel: 'warning',
  legalComments: 'inline',
});

// Served gzipped to browsers that accept it (all do): a third of the bytes for the browser's network
// stack to move on a first visit, compressed once here instead of per request.
const bundle = `${root}dist/vendor/echarts.hpo.min.js`;
writeFileSync(`${bundle}.gz`, gzipSync(readFileSync(bundle), { level: 9 }));
