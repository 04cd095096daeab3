import { sampleFromSchema } from './json-schema-sample';
import type { ChatScript, JsonObject, JsonValue, StreamUsageMode, UsageScript } from './fake-upstream.types';

/** Everything needed to write one chat reply, streamed or not. */
export interface ChatReplyPlan {
  id: string;
  model: string;
  created: number;
  content: string;
  reasoning: string | undefined;
  toolCall: { id: string; name: string; arguments: string } | undefined;
  usage: UsageScript | undefined;
  chunkCount: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The object elements of `value` when it is an array; a body of the wrong shape simply yields nothing. */
function recordsIn(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.flatMap((item: unknown) => (isRecord(item) ? [item] : [])) : [];
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content.map((part) => (isRecord(part) && typeof part['text'] === 'string' ? part['text'] : '')).join('');
}

function messagesOf(body: JsonObject): Record<string, unknown>[] {
  return recordsIn(body['messages']);
}

function lastUserText(body: JsonObject): string {
  const users = messagesOf(body).filter((message) => message['role'] === 'user');
  return textOf(users.at(-1)?.['content']);
}

/** Roughly 4 characters a token, never 0: deterministic, so a test can predict it, and close to real counts. */
export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

interface ChosenTool {
  name: string;
  parameters: unknown;
  scriptedArguments: unknown;
}

function chooseTool(body: JsonObject, script: ChatScript): ChosenTool | undefined {
  const tools = recordsIn(body['tools']);
  const toolChoice = body['tool_choice'];
  const scripted = script.toolCall;
  if (tools.length === 0 || scripted === false) return undefined;
  if (toolChoice === 'none' && scripted === undefined) return undefined;
  const functions = tools.map((tool) => (isRecord(tool['function']) ? tool['function'] : {}));
  const forcedName =
    isRecord(toolChoice) && isRecord(toolChoice['function']) ? toolChoice['function']['name'] : undefined;
  const wanted = scripted?.name ?? (typeof forcedName === 'string' ? forcedName : undefined);
  const fn = functions.find((candidate) => candidate['name'] === wanted) ?? functions[0];
  return { name: wanted ?? String(fn['name']), parameters: fn['parameters'], scriptedArguments: scripted?.arguments };
}

function jsonSchemaOf(body: JsonObject): unknown {
  const format = body['response_format'];
  if (!isRecord(format)) return undefined;
  const anyObject = { type: 'object' };
  if (format['type'] === 'json_object') return anyObject;
  if (format['type'] !== 'json_schema' || !isRecord(format['json_schema'])) return undefined;
  return format['json_schema']['schema'] ?? anyObject;
}

function textReply(body: JsonObject, script: ChatScript): string {
  const schema = jsonSchemaOf(body);
  if (schema !== undefined) return JSON.stringify(script.json ?? sampleFromSchema(schema));
  return script.reply ?? `Echo: ${lastUserText(body)}`;
}

export function planChatReply(body: JsonObject, script: ChatScript, sequence: number): ChatReplyPlan {
  const model = typeof body['model'] === 'string' ? body['model'] : 'fake-chat';
  const tool = chooseTool(body, script);
  const toolCall = tool && {
    id: `call_fake_${sequence}`,
    name: tool.name,
    arguments: JSON.stringify(tool.scriptedArguments ?? sampleFromSchema(tool.parameters)),
  };
  const content = tool ? '' : textReply(body, script);
  const prompt = messagesOf(body)
    .map((message) => textOf(message['content']))
    .join('\n');
  const reasoningTokens = script.reasoning === undefined ? undefined : estimateTokens(script.reasoning);
  const estimated: UsageScript = {
    prompt: estimateTokens(prompt),
    completion: estimateTokens(content + (toolCall?.arguments ?? '')) + (reasoningTokens ?? 0),
    ...(reasoningTokens === undefined ? {} : { reasoning: reasoningTokens }),
  };
  return {
    id: `chatcmpl-fake-${sequence}`,
    model,
    created: Math.floor(Date.now() / 1000),
    content,
    reasoning: script.reasoning,
    toolCall,
    usage: script.usage === 'none' ? undefined : (script.usage ?? estimated),
    chunkCount: Math.max(1, script.chunkCount ?? 3),
  };
}

/** OpenAI's `usage` object; `fraction` < 1 gives the running totals of a partly streamed reply. */
function usageJson(usage: UsageScript, fraction = 1): JsonObject {
  const completion = Math.round(usage.completion * fraction);
  const json: JsonObject = {
    prompt_tokens: usage.prompt,
    completion_tokens: completion,
    total_tokens: usage.prompt + completion,
  };
  if (usage.reasoning !== undefined) {
    json['completion_tokens_details'] = { reasoning_tokens: Math.round(usage.reasoning * fraction) };
  }
  if (usage.cached !== undefined) Object.assign(json, cacheFields(usage));
  return json;
}

/** Cached prompt tokens in the fields each provider family uses. */
function cacheFields({ prompt, cached = 0, shape = 'openai' }: UsageScript): JsonObject {
  switch (shape) {
    case 'deepseek':
      return { prompt_cache_hit_tokens: cached, prompt_cache_miss_tokens: prompt - cached };
    case 'kimi':
      return { cached_tokens: cached };
    case 'openai':
      return { prompt_tokens_details: { cached_tokens: cached } };
  }
}

/** Why a request breaks DeepSeek's thinking-mode rule, or `undefined` when it keeps it. */
export function missingReasoningBack(body: JsonObject): string | undefined {
  const offending = messagesOf(body).some(
    (message) => message['role'] === 'assistant' && recordsIn(message['tool_calls']).length > 0 && typeof message['reasoning_content'] !== 'string',
  );
  return offending ? 'The `reasoning_content` in the thinking mode must be passed back to the API.' : undefined;
}

export function completionBody(plan: ChatReplyPlan): JsonObject {
  const message: JsonObject = { role: 'assistant', content: plan.toolCall ? null : plan.content, refusal: null };
  if (plan.reasoning !== undefined) message['reasoning_content'] = plan.reasoning;
  if (plan.toolCall) {
    const { id, name, arguments: args } = plan.toolCall;
    message['tool_calls'] = [{ id, type: 'function', function: { name, arguments: args } }];
  }
  const body: JsonObject = {
    id: plan.id,
    object: 'chat.completion',
    created: plan.created,
    model: plan.model,
    system_fingerprint: 'fp_fake',
    choices: [{ index: 0, message, logprobs: null, finish_reason: plan.toolCall ? 'tool_calls' : 'stop' }],
  };
  if (plan.usage) body['usage'] = usageJson(plan.usage);
  return body;
}

/** Cuts `text` into at most `count` non-empty pieces that join back to `text`. */
export function splitIntoPieces(text: string, count: number): string[] {
  if (text.length === 0) return [];
  const size = Math.ceil(text.length / Math.min(count, text.length));
  const pieces: string[] = [];
  for (let start = 0; start < text.length; start += size) pieces.push(text.slice(start, start + size));
  return pieces;
}

function deltasOf(plan: ChatReplyPlan): JsonObject[] {
  const reasoning = splitIntoPieces(plan.reasoning ?? '', plan.chunkCount).map(
    (piece): JsonObject => ({ content: null, reasoning_content: piece }),
  );
  if (plan.toolCall) {
    const { id, name, arguments: args } = plan.toolCall;
    const opening: JsonObject = {
      role: 'assistant',
      content: null,
      tool_calls: [{ index: 0, id, type: 'function', function: { name, arguments: '' } }],
    };
    const argumentDeltas = splitIntoPieces(args, plan.chunkCount).map(
      (piece): JsonObject => ({ tool_calls: [{ index: 0, function: { arguments: piece } }] }),
    );
    return [...reasoning, opening, ...argumentDeltas];
  }
  const content = splitIntoPieces(plan.content, plan.chunkCount).map((piece): JsonObject => ({ content: piece }));
  return [{ role: 'assistant', content: '', refusal: null }, ...reasoning, ...content];
}

/**
 * The `chat.completion.chunk` objects of a streamed reply, in order, without the `[DONE]` sentinel.
 * `includeUsage` is the request's `stream_options.include_usage`.
 */
export function streamChunks(plan: ChatReplyPlan, mode: StreamUsageMode, includeUsage: boolean): JsonObject[] {
  const deltas = deltasOf(plan);
  const finishReason = plan.toolCall ? 'tool_calls' : 'stop';
  const steps: { delta: JsonObject; finish: string | null }[] = [
    ...deltas.map((delta) => ({ delta, finish: null })),
    { delta: {}, finish: finishReason },
  ];
  const usage = plan.usage;
  const chunk = (choices: JsonValue[], usageField: JsonValue | undefined): JsonObject => {
    const json: JsonObject = {
      id: plan.id,
      object: 'chat.completion.chunk',
      created: plan.created,
      model: plan.model,
      system_fingerprint: 'fp_fake',
      choices,
    };
    if (usageField !== undefined) json['usage'] = usageField;
    return json;
  };
  const usageFor = (index: number): JsonValue | undefined => {
    if (!usage || mode === 'none') return undefined;
    const isLast = index === steps.length - 1;
    if (mode === 'cumulative') return usageJson(usage, (index + 1) / steps.length);
    if (mode === 'with-finish') return isLast ? usageJson(usage) : undefined;
    if (mode === 'in-choice') return undefined;
    return includeUsage ? null : undefined;
  };
  const choiceUsage = (index: number): JsonObject =>
    usage && mode === 'in-choice' && index === steps.length - 1 ? { usage: usageJson(usage) } : {};
  const chunks = steps.map(({ delta, finish }, index) =>
    chunk([{ index: 0, delta, logprobs: null, finish_reason: finish, ...choiceUsage(index) }], usageFor(index)),
  );
  if (usage && mode === 'final-chunk' && includeUsage) chunks.push(chunk([], usageJson(usage)));
  return chunks;
}
