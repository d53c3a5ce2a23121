/**
 * Tokenizes rendered chat prompts section by section, remembering each section's ids.
 *
 * Why: a chat app renders the whole conversation again every turn, so all but the newest
 * message is text the tokenizer has already seen: the system prompt with its tool definitions,
 * every earlier message. transformers.js tokenizes with a regex pre-tokenizer that is slow in
 * JavaScript: 1.19 ms for a 528-token prompt with two tools and two earlier turns here (the
 * template renders it in 0.24 ms), paid on every request and again for every exchange that
 * `trim-oldest` drops. On the local model's 2-core budget that CPU comes out of generation.
 *
 * Exact by construction: the tokenizer itself cuts text at its added tokens (`<|im_start|>`,
 * `<tool_call>`, …, longest match first) and encodes each section between them on its own
 * (tokenizers' AddedVocabulary; transformers.js `encode_text`), so a prompt's ids are its
 * sections' ids in a row. That holds unless an added token couples its neighbours: strips the
 * whitespace next to it, or matches only after normalization. Such tokenizers, and any whose
 * output differs from the fast path on the first prompts (a self-check, as for the byte-level
 * decoder), keep the tokenizer's own path.
 */

/** The tokenizer as this module uses it: the public call and `encode`, plus its added tokens. */
interface SectionTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  _tokenizer?: {
    added_tokens?: unknown;
    remove_space?: unknown;
    do_lowercase_and_remove_accent?: unknown;
  };
}

/** The library's tensor class (transformers.js `Tensor`). */
export type TensorClass = new (type: string, data: unknown, dims: number[]) => unknown;

/** What the tokenizer's call returns, as `generate` takes it. */
export interface EncodedPrompt {
  input_ids: unknown;
  attention_mask: unknown;
  inputTokens: number;
}

/** A tokenizer's own call, as the provider makes it. */
export type TokenizerCall = (
  text: string,
  options: { add_special_tokens: boolean },
) => { input_ids: { dims: number[] }; attention_mask: unknown };

/**
 * The tokenizer's own path: the prompt through its call. The template already wrote every
 * special token, so the tokenizer must not add more.
 */
export function tokenizerEncoder(tokenizer: TokenizerCall): (prompt: string) => EncodedPrompt {
  return (prompt) => {
    const encoded = tokenizer(prompt, { add_special_tokens: false });
    return { ...encoded, inputTokens: encoded.input_ids.dims.at(-1) ?? 0 };
  };
}

interface AddedToken {
  content: string;
  id: number;
}

/**
 * What is remembered per tokenizer, in characters of section text: the ids take about as much
 * again (an id per ~4 characters, 8 bytes each). ~2 MB of text: many conversations' messages
 * and tool prompts, and a bound an app with long unique messages never grows past.
 */
const memoCharacters = 1_000_000;
/** Longer sections (a pasted document) are encoded but not kept. */
const maxSectionLength = 32_768;
/** Prompts compared with the tokenizer's own output before the fast path is trusted alone. */
const selfChecks = 3;

interface SectionEncoder {
  splitter: RegExp;
  ids: Map<string, number>;
  memo: Map<string, number[]>;
  /** Characters of the sections in `memo`. */
  memoSize: number;
  /** Prompts that passed the self-check so far; -1 once one failed (then never again). */
  checked: number;
}

const encoders = new WeakMap<object, SectionEncoder | null>();

/**
 * An encoder of rendered prompts for `tokenizer`, or `undefined` when its sections are not
 * independent (then call the tokenizer itself). `slow` is the tokenizer's own path, used for the
 * self-check.
 */
export function promptEncoderFor(
  tokenizer: object,
  Tensor: TensorClass | undefined,
  slow: (prompt: string) => EncodedPrompt,
): ((prompt: string) => EncodedPrompt) | undefined {
  if (!Tensor) return undefined;
  let encoder = encoders.get(tokenizer);
  if (encoder === undefined) {
    encoder = sectionEncoder(tokenizer as SectionTokenizer) ?? null;
    encoders.set(tokenizer, encoder);
  }
  if (!encoder) return undefined;
  const found = encoder;
  return (prompt) => {
    if (found.checked < 0) return slow(prompt);
    const ids = encodeSections(tokenizer as SectionTokenizer, found, prompt);
    if (found.checked < selfChecks) {
      const expected = slow(prompt);
      if (!sameIds(ids, expected.input_ids)) {
        found.checked = -1;
        encoders.set(tokenizer, null);
        return expected;
      }
      found.checked++;
    }
    return toTensors(Tensor, ids);
  };
}

function sectionEncoder(tokenizer: SectionTokenizer): SectionEncoder | undefined {
  const inner = tokenizer._tokenizer;
  if (typeof tokenizer.encode !== 'function' || !inner || !Array.isArray(inner.added_tokens))
    return;
  // Options that change text across section boundaries: not handled here.
  if (inner.remove_space === true || inner.do_lowercase_and_remove_accent === true) return;
  const added: AddedToken[] = [];
  for (const entry of inner.added_tokens as Array<Record<string, unknown>>) {
    const { content, id } = entry;
    if (typeof content !== 'string' || content.length === 0 || typeof id !== 'number') return;
    if (entry['lstrip'] === true || entry['rstrip'] === true || entry['single_word'] === true)
      return;
    if (entry['normalized'] === true) return;
    added.push({ content, id });
  }
  if (added.length === 0) return;
  // Longest first: at one position the regex takes the first alternative that matches, and
  // the tokenizer's trie takes the longest added token.
  const alternatives = added
    .map((token) => token.content)
    .sort((a, b) => b.length - a.length)
    .map((content) => content.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return {
    splitter: new RegExp(`(${alternatives.join('|')})`),
    ids: new Map(added.map((token) => [token.content, token.id])),
    memo: new Map(),
    memoSize: 0,
    checked: 0,
  };
}

function encodeSections(
  tokenizer: SectionTokenizer,
  encoder: SectionEncoder,
  prompt: string,
): number[] {
  const ids: number[] = [];
  // With a capturing group, split alternates: text, added token, text, …
  const parts = prompt.split(encoder.splitter);
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index]!;
    if (index % 2 === 1) {
      ids.push(encoder.ids.get(part)!);
      continue;
    }
    if (part.length === 0) continue;
    for (const id of sectionIds(tokenizer, encoder, part)) ids.push(id);
  }
  return ids;
}

function sectionIds(tokenizer: SectionTokenizer, encoder: SectionEncoder, text: string): number[] {
  const { memo } = encoder;
  const known = memo.get(text);
  if (known) {
    // Least recently used goes first: refresh this one's place.
    memo.delete(text);
    memo.set(text, known);
    return known;
  }
  const ids = tokenizer.encode(text, { add_special_tokens: false });
  if (text.length <= maxSectionLength) {
    while (encoder.memoSize + text.length > memoCharacters) {
      const oldest = memo.keys().next().value!;
      memo.delete(oldest);
      encoder.memoSize -= oldest.length;
    }
    memo.set(text, ids);
    encoder.memoSize += text.length;
  }
  return ids;
}

function toTensors(Tensor: TensorClass, ids: number[]): EncodedPrompt {
  const data = new BigInt64Array(ids.length);
  for (let index = 0; index < ids.length; index++) data[index] = BigInt(ids[index]!);
  const mask = new BigInt64Array(ids.length).fill(1n);
  return {
    input_ids: new Tensor('int64', data, [1, ids.length]),
    attention_mask: new Tensor('int64', mask, [1, ids.length]),
    inputTokens: ids.length,
  };
}

function sameIds(ids: number[], tensor: unknown): boolean {
  const data = (tensor as { data?: unknown } | null)?.data;
  if (!(data instanceof BigInt64Array) || data.length !== ids.length) return false;
  for (let index = 0; index < ids.length; index++)
    if (data[index] !== BigInt(ids[index]!)) return false;
  return true;
}
