/**
 * Keeps the guides honest: every ```ts block is type-checked against the built packages, and
 * every relative link (and its #anchor) must resolve. Snippets are compiled in memory, as if
 * they were files in `docs/`, so they import `@tinyllm/*` exactly as an app would.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One ```ts block of a guide. */
export interface Snippet {
  /** The guide, relative to the docs folder. */
  file: string;
  /** 1-based line of the snippet's first code line in the guide. */
  line: number;
  code: string;
}

/** A problem found in a guide, with its place. */
export interface DocProblem {
  file: string;
  line: number;
  message: string;
}

const fence = /^```(\S*)[^\n]*$/;

/** The ```ts / ```typescript blocks of a markdown text. */
export function extractSnippets(markdown: string, file: string): Snippet[] {
  const snippets: Snippet[] = [];
  const lines = markdown.split('\n');
  let open: { language: string; start: number; code: string[] } | undefined;
  lines.forEach((text, index) => {
    const match = fence.exec(text.trim());
    if (open === undefined) {
      if (match) open = { language: match[1] ?? '', start: index + 2, code: [] };
      return;
    }
    if (text.trim() === '```') {
      if (open.language === 'ts' || open.language === 'typescript') {
        snippets.push({ file, line: open.start, code: open.code.join('\n') });
      }
      open = undefined;
      return;
    }
    open.code.push(text);
  });
  return snippets;
}

/** Markdown files under `dir`, skipping generated and installed folders. */
export function findMarkdownFiles(dir: string): string[] {
  const skip = new Set(['node_modules', 'api', '.snippets']);
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (!skip.has(entry)) found.push(...findMarkdownFiles(path));
    } else if (entry.endsWith('.md')) found.push(path);
  }
  return found.sort();
}

function compilerOptions(docsDir: string): ts.CompilerOptions {
  const configPath = resolve(docsDir, '../tsconfig.base.json');
  const { config } = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, dirname(configPath));
  return {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
    // Snippets show one step; names they declare for the reader need not all be used.
    noUnusedLocals: false,
    noUnusedParameters: false,
  };
}

/**
 * Type-checks snippets as modules placed in `docsDir` (so `@tinyllm/*` resolves through
 * `docs/node_modules`), all in one program. Returns the errors, mapped to guide lines.
 */
export function checkSnippets(snippets: readonly Snippet[], docsDir: string): DocProblem[] {
  const options = compilerOptions(docsDir);
  const virtual = new Map<string, Snippet>();
  snippets.forEach((snippet, index) => {
    const name = snippet.file.replace(/[^A-Za-z0-9]+/g, '-');
    virtual.set(resolve(docsDir, `__snippet-${index}-${name}-${snippet.line}.ts`), snippet);
  });
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (path) => virtual.has(resolve(path)) || fileExists.call(host, path);
  host.readFile = (path) => virtual.get(resolve(path))?.code ?? readFile.call(host, path);
  host.getSourceFile = (path, language, onError, shouldCreate) => {
    const snippet = virtual.get(resolve(path));
    return snippet
      ? ts.createSourceFile(path, snippet.code, language, true)
      : getSourceFile.call(host, path, language, onError, shouldCreate);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const problems: DocProblem[] = [];
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const snippet = diagnostic.file ? virtual.get(resolve(diagnostic.file.fileName)) : undefined;
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (snippet === undefined || diagnostic.file === undefined || diagnostic.start === undefined) {
      problems.push({ file: diagnostic.file?.fileName ?? '(compiler)', line: 0, message });
      continue;
    }
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    problems.push({ file: snippet.file, line: snippet.line + line, message });
  }
  return problems;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
export function headingSlug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/`/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.trim().startsWith('```')) inFence = !inFence;
    const heading = !inFence && /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) anchors.add(headingSlug(heading[1] ?? ''));
  }
  return anchors;
}

/**
 * Checks the relative links of `files` (paths to markdown files): the target must exist, and a
 * `#anchor` into a markdown file must name one of its headings. Web links are not fetched.
 */
export function checkLinks(files: readonly string[], baseDir: string): DocProblem[] {
  const problems: DocProblem[] = [];
  for (const file of files) {
    const markdown = readFileSync(file, 'utf8');
    let inFence = false;
    markdown.split('\n').forEach((text, index) => {
      if (text.trim().startsWith('```')) inFence = !inFence;
      if (inFence) return;
      for (const match of text.matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = match[1] ?? '';
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
        const [pathPart = '', anchor] = target.split('#');
        const targetPath = pathPart === '' ? file : resolve(dirname(file), pathPart);
        const place = { file: relative(baseDir, file), line: index + 1 };
        if (!existsSync(targetPath)) {
          problems.push({
            ...place,
            message: `broken link: ${target} (no ${relative(baseDir, targetPath)})`,
          });
          continue;
        }
        if (anchor !== undefined && targetPath.endsWith('.md')) {
          if (!anchorsOf(readFileSync(targetPath, 'utf8')).has(anchor)) {
            problems.push({ ...place, message: `broken anchor: ${target}` });
          }
        }
      }
    });
  }
  return problems;
}

/** Formats problems as `file:line message` lines. */
export function formatProblems(problems: readonly DocProblem[]): string {
  return problems.map((problem) => `${problem.file}:${problem.line} ${problem.message}`).join('\n');
}
