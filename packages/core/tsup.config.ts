import { defineConfig } from 'tsup';

export default defineConfig([
  {
    entry: {
      index: 'src/index.ts',
      'testing/index': 'src/testing/index.ts',
      'eval/index': 'src/eval/index.ts',
      'schemas/index': 'src/schemas/index.ts',
      // Types of the browser build below.
      'sse-client': 'src/streams/sse-client.ts',
    },
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    // The browser build writes into dist/browser at the same time: leave it alone.
    clean: ['!browser/**'],
    target: 'node20',
    splitting: true,
    treeshake: true,
  },
  {
    // `@tinyllm/core/sse-client`: the SSE client parser as one self-contained ES module (its
    // parser dependency bundled in) that a page can load with a <script type="module"> as is.
    entry: { 'browser/sse-client': 'src/streams/sse-client.ts' },
    format: ['esm'],
    platform: 'browser',
    target: 'es2022',
    noExternal: ['eventsource-parser'],
    splitting: false,
    dts: false,
    clean: false,
  },
]);
