import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { BudgetGate, type BudgetHold } from '../budgets/budget-gate';
import type { BudgetScope } from '../budgets/budget-rules';
import { RateLimiter } from '../rate-limits/rate-limiter';
import type { KeyOrigin } from '../catalogue/key-resolver';
import { LlmManagerError } from '../common/llm-manager.error';
import { errorMessage } from '../common/error-message';
import { LLM_MANAGER_RESOLVED_OPTIONS } from '../llm-manager.constants';
import { LlmMetrics, type CallLabels } from '../metrics/llm-metrics';
import type { ResolvedLlmManagerOptions } from '../llm-manager.options';
import { Clock } from '../usage/clock';
import { TokenEstimator, type TokenFamily } from '../usage/token-estimator';
import { PriceBook } from '../usage/price-book';
import { costMicroUsd, isPriced } from '../usage/usage-cost';
import { UsageJournal } from '../usage/usage-journal';
import { UsageLedger } from '../usage/usage-ledger';
import { billedTokens, type EstimatedTokens, type UsageRow } from '../usage/usage-row';
import { promptText, type FinishedCall } from './call-observation';
import { abandoned, type CallSink, type OutgoingPrompt } from './call-tracker';
import { reasoningToSendBack, roleOf } from './reasoning-round-trip';
import type { CallHold } from './call-hold';
import type { LiveCall } from './live-call';

/** Who a tracked model bills, and the names its metrics carry. */
export interface BillingContext {
  userId: string;
  modelId: number;
  agentName: string | null;
  family: TokenFamily;
  labels: CallLabels;
  /** The slot the call was made for, and the API token it came with: what narrower budgets match on. */
  usageKey?: string | null;
  tokenId?: number | null;
  /** Whose key pays (M5): a system key lent by auto-key (`system-auto`) is held to the auto-key default budget. */
  keyOrigin?: KeyOrigin | null;
}

interface Live {
  call: LiveCall;
  context: BillingContext;
  /** The prompt's estimated tokens, once a call has run long enough to have them counted before it ends. */
  promptTokens: Promise<number> | null;
}

/**
 * A call still running this long (seen by the sweep, at most `SWEEP_MS` later) has its prompt counted and journaled
 * before it ends, so a crash records it with its real prompt tokens. Shorter calls are counted when they end, as the
 * call returns: nothing competes with their request, and no call pays for a timer of its own.
 */
const EARLY_PROMPT_COUNT_MS = 1000;
const SWEEP_MS = 250;

/**
 * Turns calls into usage rows (the ledger, B10). A call is journaled as it leaves and as it ends, synchronously, so
 * a killed process loses none; its tokens are estimated off the call path (a setImmediate away, in slices for long
 * texts), then the row goes to the ledger. The recorder also ends calls nobody else will: streams left unread for
 * `abandonedStreamMs` (→ `abandoned`), and on shutdown the calls still running after `shutdownDrainMs` (→ `aborted`).
 */
@Injectable()
export class CallRecorder implements OnApplicationBootstrap, BeforeApplicationShutdown, OnModuleDestroy {
  private readonly logger = new Logger('UsageLedger');
  private readonly live = new Map<string, Live>();
  /** Budget settlements and rate-limit releases under way: shutdown and `drain` wait for them. */
  private readonly settling = new Set<Promise<void>>();
  private sweep: ReturnType<typeof setInterval> | undefined;
  private whenIdle: (() => void) | null = null;

  constructor(
    private readonly ledger: UsageLedger,
    private readonly journal: UsageJournal,
    private readonly clock: Clock,
    private readonly estimator: TokenEstimator,
    private readonly metrics: LlmMetrics,
    private readonly budgets: BudgetGate,
    private readonly limits: RateLimiter,
    private readonly prices: PriceBook,
    @Inject(LLM_MANAGER_RESOLVED_OPTIONS) private readonly options: ResolvedLlmManagerOptions,
  ) {}

  /** Starts the sweep of live calls and the `beforeExit` flush, once the whole module has started. */
  onApplicationBootstrap(): void {
    // A walk over the live calls, a few times a second: cheap next to the calls themselves.
    const every = Math.min(SWEEP_MS, Math.max(10, Math.floor(this.options.abandonedStreamMs / 4)));
    this.sweep = setInterval(() => this.sweepLiveCalls(), every);
    this.sweep.unref();
    process.on('beforeExit', this.onBeforeExit);
  }

  /** Calls that have left and not yet ended. */
  get liveCalls(): number {
    return this.live.size;
  }

  /** The sink a tracked model reports to. */
  sinkFor(context: BillingContext): CallSink {
    const scope = { userId: context.userId, usageKey: context.usageKey ?? null, tokenId: context.tokenId ?? null, keyOrigin: context.keyOrigin ?? null };
    return {
      now: () => this.clock.now().getTime(),
      admit: (prompt) => this.countRefusal(context, this.admit(context, scope, prompt)),
      release: (hold) => this.release(hold),
      open: (call) => this.open(context, call),
      record: (call) => this.record(context, call),
    };
  }

  /** Resolves when every call ended so far is in the writer's queue and its budget hold settled. */
  async drain(): Promise<void> {
    await this.ledger.whenCounted();
    while (this.settling.size > 0) await Promise.all([...this.settling]);
  }

  /**
   * Graceful shutdown: calls in flight get `shutdownDrainMs` to finish, the rest are recorded as `aborted` and
   * cancelled, then the ledger writes everything (what the database refuses stays in the journal).
   */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.sweep);
    this.budgets.stopRetrying();
    if (this.live.size > 0) {
      this.logger.log(`Waiting up to ${this.options.shutdownDrainMs} ms for ${this.live.size} LLM calls in flight.`);
      await this.untilIdle(this.options.shutdownDrainMs);
    }
    if (this.live.size > 0) this.logger.warn(`${this.live.size} LLM calls were still running at shutdown: recorded as aborted.`);
    const reason = new LlmManagerError('SHUTTING_DOWN', 'The application is shutting down; this LLM call was cancelled.');
    for (const { call } of [...this.live.values()]) call.stop('aborted', reason);
    await this.ledger.close();
    while (this.settling.size > 0) await Promise.all([...this.settling]);
  }

  onModuleDestroy(): void {
    clearInterval(this.sweep);
    process.off('beforeExit', this.onBeforeExit);
  }

  private open(context: BillingContext, call: LiveCall): void {
    const { observation } = call;
    this.journal.append(call.id, {
      t: 'begin',
      id: call.id,
      userId: context.userId,
      modelId: context.modelId,
      agentName: context.agentName,
      ...(context.usageKey ? { usageKey: context.usageKey } : {}),
      at: observation.startedAt,
      ...(observation.attempt > 1 ? { attempt: observation.attempt, fallbackFrom: observation.fallbackFrom } : {}),
      promptChars: observation.promptMessages.reduce((n, m) => n + promptText(m).length, observation.promptExtras.length),
    });
    this.live.set(call.id, { call, context, promptTokens: null });
  }

  private record(context: BillingContext, call: FinishedCall): void {
    const live = this.live.get(call.callId);
    this.live.delete(call.callId);
    if (this.live.size === 0) this.whenIdle?.();
    this.journal.append(call.callId, {
      t: 'end',
      id: call.callId,
      outcome: call.outcome,
      at: call.endedAt,
      completionChars: call.completionText.length + call.reasoningText.length,
      reported: call.reported,
      ...(call.failure ? { errorCode: call.failure.code, errorDetail: call.failure.detail } : {}),
    });
    this.metrics.observeCall(context.labels, call);
    const counted = this.toRow(context, call, live?.promptTokens ?? live?.call.hold?.promptTokens ?? this.estimatePrompt(context.family, call));
    // Priced once, at the price in force now; the metrics, the budget, the rate limits and the ledger share the row.
    const row = counted.then((unpriced) => this.prices.price(unpriced));
    row.then((priced) => this.metrics.observeRow(context.labels, priced), () => undefined);
    const hold = live?.call.hold;
    if (hold?.limits) this.track(this.limits.end(hold.limits, row.then((priced) => priced.totalTokens)));
    if (hold?.budget) this.settle(hold.budget, row);
    this.ledger.count(row);
  }

  /**
   * Rate limits first (a refusal there reserves no budget), then budgets; a budget that refuses a call its rate limits
   * admitted takes the call's counts back. The prompt is counted once for both, and only when one needs it.
   */
  private admit(context: BillingContext, scope: BudgetScope, prompt: OutgoingPrompt): null | Promise<CallHold | null> {
    let counted: Promise<number> | undefined;
    // The call waits for this count: no turn of the event loop first (estimatePrompt's), unlike the row's count.
    const promptTokens = (): Promise<number> => (counted ??= this.countPrompt(context.family, prompt));
    const budget = (): null | Promise<BudgetHold | null> => this.budgets.admit(scope, () => this.estimateCost(context, promptTokens));
    const limits = this.limits.admit(scope, promptTokens);
    if (limits === null) {
      const held = budget();
      return held === null ? null : held.then((hold) => (hold === null ? null : { budget: hold, limits: null, promptTokens: counted ?? null }));
    }
    return limits.then(async (limitHold) => {
      try {
        const budgetHold = await budget();
        return budgetHold === null && limitHold === null ? null : { budget: budgetHold ?? null, limits: limitHold, promptTokens: counted ?? null };
      } catch (error) {
        if (limitHold) this.track(this.limits.cancel(limitHold));
        throw error;
      }
    });
  }

  /** What an admitted call that never left holds goes back: its rate-limit counts and places, its budget reservation. */
  private release(hold: CallHold): void {
    if (hold.limits) this.track(this.limits.cancel(hold.limits));
    if (hold.budget) {
      this.track(
        this.budgets.settle(hold.budget, 0).catch((error: unknown) =>
          this.logger.warn(`A budget reservation could not be released; it is released when it expires. ${errorMessage(error)}`),
        ),
      );
    }
  }

  private track(job: Promise<void>): void {
    const tracked = job.finally(() => this.settling.delete(tracked));
    this.settling.add(tracked);
  }

  /** A call its budget refuses is counted in the metrics under the refusal's code. */
  private countRefusal<T>(context: BillingContext, admission: null | Promise<T>): null | Promise<T> {
    return admission?.catch((error: unknown) => {
      this.metrics.observeRefusedCall(context.labels, error instanceof LlmManagerError ? error.code : 'INTERNAL');
      throw error;
    }) ?? null;
  }

  /** Moves a call's budget hold to its priced cost; a row that cannot be counted leaves it to expire (the sweep). */
  private settle(hold: BudgetHold, row: Promise<UsageRow>): void {
    const job = row
      .then((priced) => this.budgets.settle(hold, priced.costMicroUsd ?? null))
      .catch((error: unknown) => this.logger.warn(`A budget reservation could not be settled; it is released when it expires. ${errorMessage(error)}`))
      .finally(() => this.settling.delete(job));
    this.settling.add(job);
  }

  /**
   * What a call about to leave may cost, for its budgets: its prompt's estimated tokens at the input price plus
   * `budgetCompletionAllowance` completion tokens at the output price; `null` when the model is unpriced.
   */
  private async estimateCost(context: BillingContext, prompt: () => Promise<number>): Promise<number | null> {
    const price = await this.prices.priceOf(context.modelId);
    if (!isPriced(price)) return null;
    const promptTokens = await prompt();
    return costMicroUsd({ promptTokens, completionTokens: this.options.budgetCompletionAllowance, cachedPromptTokens: 0 }, price);
  }

  private countPromptEarly(live: Live): void {
    live.promptTokens = this.estimatePrompt(live.context.family, live.call.observation).then((tokens) => {
      if (this.live.has(live.call.id)) this.journal.appendSoon(live.call.id, { t: 'prompt', id: live.call.id, tokens });
      return tokens;
    });
  }

  /** A setImmediate away, so the request goes out first; long prompts are counted in slices. */
  private async estimatePrompt(family: TokenFamily, prompt: Pick<FinishedCall, 'promptMessages' | 'promptExtras'>): Promise<number> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return this.countPrompt(family, prompt);
  }

  /** The prompt's estimated tokens; long prompts are counted in slices. */
  private countPrompt(family: TokenFamily, prompt: Pick<FinishedCall, 'promptMessages' | 'promptExtras'>): Promise<number> {
    // Reasoning sent back on tool-call turns is part of the prompt the provider bills.
    const sentBack = reasoningToSendBack(prompt.promptMessages);
    let assistant = 0;
    const messages = prompt.promptMessages.map((m) => {
      const reasoning = sentBack && roleOf(m) === 'assistant' ? (sentBack[assistant++] ?? '') : '';
      return { role: m.getType(), content: promptText(m) + reasoning };
    });
    if (prompt.promptExtras) messages.push({ role: 'system', content: prompt.promptExtras });
    return this.estimator.estimateMessagesAsync(messages, family);
  }

  private async toRow(context: BillingContext, call: FinishedCall, promptTokens: Promise<number>): Promise<UsageRow> {
    const estimated = call.billable ? await this.estimate(context.family, call, promptTokens) : { prompt: 0, completion: 0, reasoning: 0 };
    return {
      callId: call.callId,
      userId: context.userId,
      modelId: context.modelId,
      ...billedTokens(this.options.billedUsage, estimated, call.reported),
      success: call.outcome !== 'error',
      outcome: call.outcome,
      latencyMs: Math.max(0, call.endedAt - call.startedAt),
      attempt: call.attempt,
      fallbackFrom: call.fallbackFrom,
      agentName: context.agentName,
      usageKey: context.usageKey ?? null,
      errorCode: call.failure?.code ?? null,
      errorDetail: call.failure?.detail ?? null,
      createdAt: new Date(call.startedAt),
    };
  }

  private async estimate(
    family: TokenFamily,
    call: FinishedCall,
    promptTokens: Promise<number>,
  ): Promise<EstimatedTokens> {
    const prompt = await promptTokens;
    const reasoning = await this.estimator.estimateAsync(call.reasoningText, family);
    const answer = await this.estimator.estimateAsync(call.completionText, family);
    return { prompt, completion: answer + reasoning, reasoning };
  }

  /**
   * Streams whose consumer has not asked for the next chunk for `abandonedStreamMs` are recorded and closed; calls
   * running past `EARLY_PROMPT_COUNT_MS` get their prompt counted.
   */
  private sweepLiveCalls(): void {
    const now = this.clock.now().getTime();
    for (const live of [...this.live.values()]) {
      const { call } = live;
      if (call.waitingSince !== 0 && call.waitingSince <= now - this.options.abandonedStreamMs) call.stop('abandoned', abandoned());
      else if (live.promptTokens === null && call.observation.startedAt <= now - EARLY_PROMPT_COUNT_MS) this.countPromptEarly(live);
    }
  }

  /** Resolves when the last live call ends, or after `timeoutMs`. */
  private untilIdle(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.whenIdle = () => {
        clearTimeout(timer);
        resolve();
      };
    }).finally(() => (this.whenIdle = null));
  }

  /**
   * The event loop has nothing left to do (a script that ends without `app.close()`): a call still live now waits
   * for a reader that will never come, so it is recorded as abandoned; the ledger then writes what is queued.
   */
  private readonly onBeforeExit = (): void => {
    for (const { call } of [...this.live.values()]) call.stop('abandoned', abandoned());
    this.ledger.writeBeforeExit().catch((error: unknown) => {
      this.logger.error(`Usage rows could not be written before the process exited; they ${this.journal.keepsUnwrittenRows}. ${errorMessage(error)}`);
    });
  };
}
