import type { BaseMessage } from '@langchain/core/messages';
import { messageToOpenAIRole, type OpenAIClient } from '@langchain/openai';

type WireMessage = OpenAIClient.Chat.ChatCompletionMessageParam;

/**
 * `request` with each assistant turn's `reasoning_content` sent back where the provider's rule wants it. LangChain
 * keeps the reasoning of a reply in `additional_kwargs.reasoning_content` but leaves it out of the next request
 * (langchainjs #7564), and DeepSeek's thinking mode, Kimi and Xiaomi MiMo then refuse a tool-call conversation with
 * a 400 ("The `reasoning_content` in the thinking mode must be passed back to the API", New API #4408).
 *
 * The rule, DeepSeek's (api-docs.deepseek.com, thinking mode), which the others' is a part of: between two user
 * messages, if the model called a tool, every assistant message there goes back with its reasoning, in every later
 * request; where it called none, its reasoning stays out (DeepSeek ignores it there, its older R1 refused it, and it
 * would only cost prompt tokens). Qwen ignores the field. `request` is returned as it is when there is nothing to add.
 */
export function withReasoningSentBack<R extends { messages: WireMessage[] }>(request: R, messages: readonly BaseMessage[]): R {
  const reasoning = assistantReasoning(messages);
  if (reasoning === null) return request;
  const assistants = request.messages.flatMap((wire, index) => (isAssistantTurn(wire) ? [index] : []));
  // LangChain writes one assistant entry per assistant message; anything else is a shape this code does not know.
  if (assistants.length !== reasoning.length) return request;
  const reasoningAt = new Map(assistants.map((wireIndex, n) => [wireIndex, reasoning[n]]));
  const sent = [...request.messages];
  for (const span of userTurns(sent)) {
    if (!span.some((index) => hasToolCalls(sent[index]))) continue;
    for (const index of span) {
      const text = reasoningAt.get(index);
      if (text !== undefined) sent[index] = Object.assign({}, sent[index], { reasoning_content: text });
    }
  }
  return { ...request, messages: sent };
}

/** The reasoning of every assistant message in order (`undefined` where it has none); `null` when none has any. */
function assistantReasoning(messages: readonly BaseMessage[]): Array<string | undefined> | null {
  let any = false;
  const reasoning: Array<string | undefined> = [];
  for (const message of messages) {
    if (messageToOpenAIRole(message) !== 'assistant') continue;
    const text = message.additional_kwargs?.['reasoning_content'];
    any ||= typeof text === 'string';
    reasoning.push(typeof text === 'string' ? text : undefined);
  }
  return any ? reasoning : null;
}

/** An assistant turn as LangChain writes it; not the extra `{ role, audio }` entry it adds after an audio reply. */
function isAssistantTurn(wire: WireMessage): boolean {
  return wire.role === 'assistant' && 'content' in wire;
}

function hasToolCalls(wire: WireMessage): boolean {
  return wire.role === 'assistant' && Array.isArray(wire.tool_calls) && wire.tool_calls.length > 0;
}

/** Indexes of the messages, cut before each user message. */
function userTurns(wire: readonly WireMessage[]): number[][] {
  const spans: number[][] = [[]];
  wire.forEach((message, index) => {
    if (message.role === 'user') spans.push([]);
    spans[spans.length - 1].push(index);
  });
  return spans;
}
