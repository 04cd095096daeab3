import { ChatOpenAI, type ChatOpenAIFields } from '@langchain/openai';
import type { FakeUpstream } from './fake-upstream.types';

export const FAKE_API_KEY = 'sk-fake-upstream-test-key';

/**
 * A real ChatOpenAI aimed at the fake. `maxRetries: 0` so a scripted 429/500 surfaces at once instead of after
 * LangChain's backoff; never `streaming: true`, because invoke() would then estimate tokens with tiktoken ranks
 * fetched from the internet.
 */
export function chatOpenAIFor(upstream: FakeUpstream, model: string, fields: ChatOpenAIFields = {}): ChatOpenAI {
  return new ChatOpenAI({
    model,
    apiKey: FAKE_API_KEY,
    maxRetries: 0,
    ...fields,
    configuration: { ...fields.configuration, baseURL: upstream.url },
  });
}
