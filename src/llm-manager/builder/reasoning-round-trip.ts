import type { BaseMessage } from '@langchain/core/messages';
import type { OpenAIClient } from '@langchain/openai';

type WireMessage = OpenAIClient.Chat.ChatCompletionMessageParam;

/**
 * The reasoning to send back with each assistant message of `messages`, in order (`undefined`: none), or `null`
 * when there is none to send. LangChain keeps the reasoning of a reply in `additional_kwargs.reasoning_content` but
 * leaves it out of the next request (langchainjs #7564), and DeepSeek's thinking mode, Kimi and Xiaomi MiMo then
 * refuse a tool-call conversation with a 400 ("The `reasoning_content` in the thinking mode must be passed back to
 * the API", New API #4408).
 *
 * The rule is DeepSeek's (api-docs.deepseek.com, thinking mode), which the others' is a part of: between two user
 * messages, if the model called a tool, every assistant message there goes back with its reasoning, in every later
 * request; where it called none, its reasoning stays out (DeepSeek ignores it there, its older R1 refused it, and it
 * would only cost prompt tokens). Qwen ignores the field.
 */
export function reasoningToSendBack(messages: readonly BaseMessage[]): Array<string | undefined> | null {
  if (!messages.some((message) => typeof message.additional_kwargs?.['reasoning_content'] === 'string')) return null;
  const sent: Array<string | undefined> = [];
  let turn: BaseMessage[] = [];
  const closeTurn = (): void => {
    const calledTools = turn.some((message) => hasToolCalls(message));
    for (const message of turn) sent.push(calledTools ? reasoningOf(message) : undefined);
    turn = [];
  };
  for (const message of messages) {
    const role = roleOf(message);
    if (role === 'user') closeTurn();
    else if (role === 'assistant') turn.push(message);
  }
  closeTurn();
  return sent.some((text) => text !== undefined) ? sent : null;
}

/** `request` (as LangChain built it from `messages`) with the reasoning of `reasoningToSendBack` put back. */
export function withReasoningSentBack<R extends { messages: WireMessage[] }>(request: R, messages: readonly BaseMessage[]): R {
  const reasoning = reasoningToSendBack(messages);
  if (reasoning === null) return request;
  const assistants = request.messages.flatMap((wire, index) => (isAssistantTurn(wire) ? [index] : []));
  // LangChain writes one assistant entry per assistant message; anything else is a shape this code does not know.
  if (assistants.length !== reasoning.length) return request;
  const sent = [...request.messages];
  assistants.forEach((index, n) => {
    const text = reasoning[n];
    if (text !== undefined) sent[index] = Object.assign({}, sent[index], { reasoning_content: text });
  });
  return { ...request, messages: sent };
}

/** The role LangChain sends `message` as, for user and assistant messages (it throws on no message here). */
export function roleOf(message: BaseMessage): string {
  const type = message.getType();
  if (type === 'human') return 'user';
  if (type === 'ai') return 'assistant';
  return type === 'generic' ? String((message as { role?: unknown }).role) : type;
}

function reasoningOf(message: BaseMessage): string | undefined {
  const text = message.additional_kwargs?.['reasoning_content'];
  return typeof text === 'string' ? text : undefined;
}

function hasToolCalls(message: BaseMessage): boolean {
  const own = (message as { tool_calls?: unknown[] }).tool_calls;
  const calls = own?.length ? own : message.additional_kwargs?.['tool_calls'];
  return Array.isArray(calls) && calls.length > 0;
}

/** An assistant turn as LangChain writes it; not the extra `{ role, audio }` entry it adds after an audio reply. */
function isAssistantTurn(wire: WireMessage): boolean {
  return wire.role === 'assistant' && 'content' in wire;
}
