import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DocProblem,
  type Snippet,
  checkLinks,
  checkSnippets,
  extractSnippets,
  findMarkdownFiles,
  formatProblems,
  headingSlug,
} from './check-docs';

const docsDir = fileURLToPath(new URL('..', import.meta.url));
const rootDir = join(docsDir, '..');
const guides = findMarkdownFiles(docsDir);
const snippets: Snippet[] = guides.flatMap((path) =>
  extractSnippets(readFileSync(path, 'utf8'), relative(docsDir, path)),
);

describe('the guides', () => {
  let problems: DocProblem[] = [];
  beforeAll(() => {
    problems = checkSnippets(snippets, docsDir);
  });

  it('exist and contain TypeScript snippets (an extractor that finds nothing would pass anything)', () => {
    expect(guides.map((path) => relative(docsDir, path))).toEqual(
      expect.arrayContaining(['README.md', 'getting-started.md', 'guides/training.md']),
    );
    expect(snippets.length).toBeGreaterThanOrEqual(20);
  });

  for (const guide of guides.map((path) => relative(docsDir, path))) {
    it(`${guide}: every TypeScript snippet type-checks`, () => {
      expect(formatProblems(problems.filter((problem) => problem.file === guide))).toBe('');
    });
  }

  it('raise no compiler error outside the snippets', () => {
    const known = new Set(guides.map((path) => relative(docsDir, path)));
    expect(formatProblems(problems.filter((problem) => !known.has(problem.file)))).toBe('');
  });

  it('and the README have no broken relative links or anchors', () => {
    const readme = join(rootDir, 'README.md');
    const files = existsSync(readme) ? [...guides, readme] : guides;
    expect(formatProblems(checkLinks(files, rootDir))).toBe('');
  });
});

describe('the checker', () => {
  const scratch = mkdtempSync(join(docsDir, 'node_modules', '.check-docs-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('extracts ts blocks with their line numbers and skips other languages', () => {
    const markdown = [
      '# T',
      '```ts',
      'const a = 1;',
      '```',
      '```bash',
      'ls',
      '```',
      '```typescript',
      'let b;',
      'b = 2;',
      '```',
    ].join('\n');
    expect(extractSnippets(markdown, 'x.md')).toEqual([
      { file: 'x.md', line: 3, code: 'const a = 1;' },
      { file: 'x.md', line: 9, code: 'let b;\nb = 2;' },
    ]);
  });

  it('reports a type error and a missing export at their guide lines', () => {
    const problems = checkSnippets(
      [
        { file: 'bad.md', line: 10, code: "const count: number = 'three';" },
        {
          file: 'bad.md',
          line: 20,
          code: "import { notAnExport } from '@tinyllm/core';\nnotAnExport();",
        },
        {
          file: 'good.md',
          line: 5,
          code: "import { TinyLLMError } from '@tinyllm/core';\nTinyLLMError.isInstance(1);",
        },
      ],
      docsDir,
    );
    expect(problems.map((problem) => [problem.file, problem.line])).toEqual([
      ['bad.md', 10],
      ['bad.md', 20],
    ]);
    expect(problems[1]?.message).toContain('notAnExport');
  });

  it('reports broken links and anchors, and accepts good ones', () => {
    const page = join(scratch, 'page.md');
    writeFileSync(join(scratch, 'other.md'), '# Other page\n\n## Rate limits & retries\n');
    writeFileSync(
      page,
      [
        '[ok](other.md) [ok anchor](other.md#rate-limits--retries) [web](https://example.com/x)',
        '[missing](nowhere.md) [bad anchor](other.md#nope)',
        '```md',
        '[inside a fence](ignored.md)',
        '```',
      ].join('\n'),
    );
    expect(checkLinks([page], scratch)).toEqual([
      { file: 'page.md', line: 2, message: 'broken link: nowhere.md (no nowhere.md)' },
      { file: 'page.md', line: 2, message: 'broken anchor: other.md#nope' },
    ]);
  });

  it('makes GitHub heading slugs', () => {
    expect(headingSlug('Rate limits & retries')).toBe('rate-limits--retries');
    expect(headingSlug('`createRouter()` options')).toBe('createrouter-options');
  });
});
