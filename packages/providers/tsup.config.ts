import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'huggingface/index': 'src/huggingface/index.ts',
    'transformers/index': 'src/transformers/index.ts',
    'ollama/index': 'src/ollama/index.ts',
    'openai-compatible/index': 'src/openai-compatible/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: true,
  treeshake: true,
});
