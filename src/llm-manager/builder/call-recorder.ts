import { Inject, Injectable, type BeforeApplicationShutdown } from '@nestjs/common';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { Clock } from '../usage/clock';
import { TokenEstimator, type TokenFamily } from '../usage/token-estimator';
import { UsageWriter } from '../usage/usage-writer';
import { promptText, type FinishedCall } from './call-observation';
import type { CallSink } from './call-tracker';

/** Who a tracked model bills. */
export interface BillingContext {
  userId: string;
  modelId: number;
  agentName: string | null;
  family: TokenFamily;
}

/**
 * Turns finished calls into usage rows. Token estimation runs after the call has returned to its caller (a
 * setImmediate away, in slices for long texts), then the row is queued for the batch writer; on shutdown every
 * estimation in flight finishes before the writer's last flush.
 */
@Injectable()
export class CallRecorder implements BeforeApplicationShutdown {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly writer: UsageWriter,
    private readonly clock: Clock,
    private readonly estimator: TokenEstimator,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
  ) {}

  /** The sink a tracked model reports to. */
  sinkFor(context: BillingContext): CallSink {
    return {
      now: () => this.clock.now().getTime(),
      record: (call) => this.record(context, call),
    };
  }

  /** Resolves when every call recorded so far is in the writer's queue. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.drain();
    await this.writer.flush();
  }

  private record(context: BillingContext, call: FinishedCall): void {
    const job = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.toRow(context, call))
      .then((row) => this.writer.enqueue(row))
      .finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
  }

  private async toRow(context: BillingContext, call: FinishedCall): Promise<Parameters<UsageWriter['enqueue']>[0]> {
    const estimated = call.billable ? await this.estimate(context.family, call) : { prompt: 0, completion: 0, reasoning: 0 };
    const billReported = this.options.billedUsage === 'reported' && call.reported !== null;
    const billed = billReported ? call.reported! : estimated;
    return {
      userId: context.userId,
      modelId: context.modelId,
      promptTokens: billed.prompt,
      completionTokens: billed.completion,
      totalTokens: billed.prompt + billed.completion,
      reasoningTokens: billed.reasoning,
      success: call.outcome !== 'error',
      usageSource: billReported ? 'reported' : 'estimated',
      outcome: call.outcome,
      reportedPromptTokens: call.reported?.prompt ?? null,
      reportedCompletionTokens: call.reported?.completion ?? null,
      latencyMs: Math.max(0, call.endedAt - call.startedAt),
      agentName: context.agentName,
      createdAt: new Date(call.startedAt),
    };
  }

  private async estimate(
    family: TokenFamily,
    call: FinishedCall,
  ): Promise<{ prompt: number; completion: number; reasoning: number }> {
    const messages = call.promptMessages.map((m) => ({ role: m.getType(), content: promptText(m) }));
    if (call.promptExtras) messages.push({ role: 'system', content: call.promptExtras });
    const prompt = await this.estimator.estimateMessagesAsync(messages, family);
    const reasoning = await this.estimator.estimateAsync(call.reasoningText, family);
    const answer = await this.estimator.estimateAsync(call.completionText, family);
    return { prompt, completion: answer + reasoning, reasoning };
  }
}
