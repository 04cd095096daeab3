import { modelFamily, TOKEN_FAMILIES, type TokenFamily } from './token-family';

describe('modelFamily', () => {
  it.each<[string, TokenFamily]>([
    ['qwen-max', 'qwen'],
    ['qwen2.5-72b-instruct', 'qwen'],
    ['Qwen/Qwen3-235B-A22B', 'qwen'],
    ['qwq-32b', 'qwen'],
    ['qvq-max', 'qwen'],
    ['deepseek-chat', 'deepseek'],
    ['deepseek-reasoner', 'deepseek'],
    ['deepseek-ai/DeepSeek-V3', 'deepseek'],
    ['deepseek-r1-distill-qwen-32b', 'qwen'],
    ['deepseek-r1-distill-llama-70b', 'llama'],
    ['gemini-2.5-pro', 'gemini'],
    ['models/gemini-1.5-flash', 'gemini'],
    ['gemma-3-27b-it', 'gemini'],
    ['llama-3.1-8b-instant', 'llama'],
    ['meta-llama/Llama-3.3-70B-Instruct', 'llama'],
    ['meta.llama3-70b-instruct-v1:0', 'llama'],
    ['accounts/fireworks/models/llama-v3p1-405b-instruct', 'llama'],
    ['gpt-4o', 'openai'],
    ['gpt-4o-mini', 'openai'],
    ['GPT-4.1', 'openai'],
    ['gpt-5', 'openai'],
    ['gpt-oss-120b', 'openai'],
    ['o1', 'openai'],
    ['o3-mini', 'openai'],
    ['o4-mini-2025-04-16', 'openai'],
    ['chatgpt-4o-latest', 'openai'],
    ['text-embedding-3-small', 'openai'],
    ['openai/gpt-4.1-nano', 'openai'],
    ['claude-3-5-sonnet-20241022', 'claude'],
    ['claude-opus-4-1', 'claude'],
    ['anthropic.claude-3-haiku-20240307-v1:0', 'claude'],
    ['anthropic/claude-sonnet-4', 'claude'],
    ['glm-4-plus', 'qwen'],
    ['THUDM/chatglm3-6b', 'qwen'],
    ['moonshot-v1-8k', 'qwen'],
    ['kimi-k2-0711-preview', 'qwen'],
    ['doubao-1.5-pro-32k', 'qwen'],
    ['yi-large', 'qwen'],
    ['Baichuan4', 'qwen'],
    ['ernie-4.0-8k', 'qwen'],
    ['mistral-large-latest', 'llama'],
    ['mixtral-8x7b-32768', 'llama'],
    ['codestral-latest', 'llama'],
    ['my-azure-deployment', 'default'],
    ['command-r-plus', 'default'],
    ['', 'default'],
  ])('%s → %s', (model, family) => {
    expect(modelFamily(model)).toBe(family);
  });

  it('ignores surrounding whitespace and case', () => {
    expect(modelFamily('  DeepSeek-Chat \n')).toBe('deepseek');
  });

  it('only returns fitted families', () => {
    for (const model of ['gpt-4o', 'qwen-max', 'unknown-model']) {
      expect(TOKEN_FAMILIES).toContain(modelFamily(model));
    }
  });

  it('does not match a family name inside an unrelated word', () => {
    expect(modelFamily('bernie-1')).toBe('default');
    expect(modelFamily('photo1-model')).toBe('default');
  });
});
