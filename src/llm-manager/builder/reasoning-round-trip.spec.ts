import { AIMessage, ChatMessage, HumanMessage, SystemMessage, ToolMessage } from '@langchain/core/messages';
import { convertMessagesToCompletionsMessageParams } from '@langchain/openai';
import { reasoningToSendBack, withReasoningSentBack } from './reasoning-round-trip';

const thought = (text: string, toolCall?: string): AIMessage =>
  new AIMessage({
    content: toolCall ? '' : `answer after ${text}`,
    tool_calls: toolCall ? [{ id: toolCall, name: 'weather', args: {} }] : [],
    additional_kwargs: { reasoning_content: text },
  });

describe('reasoningToSendBack', () => {
  it("follows DeepSeek's rule: every assistant message of a user turn that called tools, none of a plain turn", () => {
    const messages = [
      new SystemMessage('be brief'),
      new HumanMessage('weather?'),
      thought('call it', 'c1'),
      new ToolMessage({ content: 'sunny', tool_call_id: 'c1' }),
      thought('answer it'),
      new HumanMessage('thanks'),
      thought('be polite'),
      new ChatMessage({ role: 'user', content: 'bye' }),
      new AIMessage('no reasoning here'),
    ];
    expect(reasoningToSendBack(messages)).toEqual(['call it', 'answer it', undefined, undefined]);
  });

  it('answers null when there is nothing to send: no reasoning, or reasoning in plain turns only', () => {
    expect(reasoningToSendBack([new HumanMessage('hi'), new AIMessage('hello')])).toBeNull();
    expect(reasoningToSendBack([new HumanMessage('hi'), thought('greet')])).toBeNull();
  });

  it('counts tool calls kept only in additional_kwargs (a message rebuilt from stored JSON)', () => {
    const stored = new AIMessage({
      content: '',
      additional_kwargs: { reasoning_content: 'r', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] },
    });
    expect(reasoningToSendBack([new HumanMessage('q'), stored])).toEqual(['r']);
  });
});

describe('withReasoningSentBack', () => {
  const conversation = [new HumanMessage('weather?'), thought('call it', 'c1'), new ToolMessage({ content: 'sunny', tool_call_id: 'c1' })];
  const requestFor = (messages: typeof conversation) => ({ model: 'm', messages: convertMessagesToCompletionsMessageParams({ messages, model: 'm' }) });

  it('puts reasoning_content on the assistant entries LangChain wrote, and copies instead of changing the request', () => {
    const request = requestFor(conversation);
    const sent = withReasoningSentBack(request, conversation);
    expect(sent.messages[1]).toMatchObject({ role: 'assistant', reasoning_content: 'call it' });
    expect(request.messages[1]).not.toHaveProperty('reasoning_content');
  });

  it('returns the request itself when there is nothing to add or the entries do not line up with the messages', () => {
    const plain = [new HumanMessage('hi'), new AIMessage('hello')];
    const request = requestFor(plain);
    expect(withReasoningSentBack(request, plain)).toBe(request);
    const mismatched = { model: 'm', messages: requestFor(conversation).messages.filter((m) => m.role !== 'assistant') };
    expect(withReasoningSentBack(mismatched, conversation)).toBe(mismatched);
  });
});
