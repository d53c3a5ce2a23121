import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    cli: 'src/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
  // ConfigBuilder's methods construct ConfigBuilder, so esbuild emits it as `class _ConfigBuilder`;
  // keepNames restores `ConfigBuilder.name`, which loggers and `console.log(builder)` print.
  keepNames: true,
});
