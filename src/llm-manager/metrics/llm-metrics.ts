import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { LlmManagerError } from '../common/llm-manager.error';
import type { UsageRow } from '../usage/usage-row';
import { UsageWriter } from '../usage/usage-writer';

/** What a call's metrics are labelled with: names from the configuration, bounded; never a user id. */
export interface CallLabels {
  platform: string;
  model: string;
}

/** A finished call as the metrics see it. */
export interface CallTiming {
  outcome: string;
  /** Why an `error` call failed: its code (`UPSTREAM_RATE_LIMITED`, …); `UPSTREAM_ERROR` when unknown. */
  failure?: { code: string } | null;
  startedAt: number;
  endedAt: number;
  /** Wall-clock ms from the request leaving to the first output, or null when none came. */
  firstOutputMs: number | null;
}

const SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120];
const OVERHEAD_SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

/**
 * llm-mgr's Prometheus metrics, in a registry of its own (a host's default registry is left alone; merge them with
 * `Registry.merge` if one endpoint should serve both). Every call through `getUserLlm` models and the gateway is
 * counted here as it is recorded; `GET /metrics` of the standalone server serves `registry.metrics()`.
 */
@Injectable()
export class LlmMetrics {
  readonly registry = new Registry();
  private readonly calls = new Counter({
    name: 'llm_mgr_calls_total', help: 'LLM calls recorded, by platform, model and outcome.',
    labelNames: ['platform', 'model', 'outcome'], registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'llm_mgr_tokens_total', help: 'Billed tokens by kind (prompt, completion, cached prompt, reasoning).',
    labelNames: ['platform', 'model', 'kind'], registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'llm_mgr_call_duration_seconds', help: 'Time from the request leaving to the call ending.',
    labelNames: ['platform', 'model', 'outcome'], buckets: SECONDS, registers: [this.registry],
  });
  private readonly firstToken = new Histogram({
    name: 'llm_mgr_time_to_first_token_seconds', help: 'Time from the request leaving to the first output.',
    labelNames: ['platform', 'model'], buckets: SECONDS, registers: [this.registry],
  });
  private readonly resolution = new Histogram({
    name: 'llm_mgr_get_model_seconds', help: "llm-mgr's own overhead: resolving slot, platform, key and model (getUserLlm, getSpecSysLlm).",
    labelNames: ['result'], buckets: OVERHEAD_SECONDS, registers: [this.registry],
  });
  private readonly refusals = new Counter({
    name: 'llm_mgr_refusals_total',
    help: 'Models and calls refused before any request left, by error code (API_KEY_MISSING, NO_USABLE_MODEL, BUDGET_EXCEEDED, …).',
    labelNames: ['code'], registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'llm_mgr_errors_total',
    help: 'Failed calls by platform, model and error code (UPSTREAM_RATE_LIMITED, UPSTREAM_TIMEOUT, …; BUDGET_EXCEEDED for calls a budget refused).',
    labelNames: ['platform', 'model', 'code'], registers: [this.registry],
  });
  private readonly cost = new Counter({
    name: 'llm_mgr_cost_usd_total', help: 'Cost in USD of the calls counted, by platform and model (unpriced models add nothing).',
    labelNames: ['platform', 'model'], registers: [this.registry],
  });

  constructor(writer: UsageWriter) {
    new Gauge({
      name: 'llm_mgr_usage_writer_queue_depth', help: 'Usage rows accepted and not yet written to the database.',
      registers: [this.registry], collect() { this.set(writer.pending); },
    });
    new Gauge({
      name: 'llm_mgr_usage_rows_dropped', help: 'Usage rows dropped since start because the writer queue was full (the journal keeps them).',
      registers: [this.registry], collect() { this.set(writer.dropped); },
    });
  }

  /** A call has ended: its outcome, duration and time to first output. */
  observeCall(labels: CallLabels, call: CallTiming): void {
    const { platform, model } = labels;
    this.calls.inc({ platform, model, outcome: call.outcome });
    this.duration.observe({ platform, model, outcome: call.outcome }, Math.max(0, call.endedAt - call.startedAt) / 1000);
    if (call.firstOutputMs !== null) this.firstToken.observe({ platform, model }, call.firstOutputMs / 1000);
    if (call.outcome === 'error') this.errors.inc({ platform, model, code: call.failure?.code ?? 'UPSTREAM_ERROR' });
  }

  /** A call refused before it left (a budget's `BUDGET_EXCEEDED`): a refusal, and a failed call of its model. */
  observeRefusedCall(labels: CallLabels, code: string): void {
    this.refusals.inc({ code });
    this.errors.inc({ platform: labels.platform, model: labels.model, code });
  }

  /** The call's row is counted: its billed tokens. */
  observeRow(labels: CallLabels, row: UsageRow): void {
    const { platform, model } = labels;
    this.tokens.inc({ platform, model, kind: 'prompt' }, row.promptTokens);
    this.tokens.inc({ platform, model, kind: 'completion' }, row.completionTokens);
    this.tokens.inc({ platform, model, kind: 'cached_prompt' }, row.cachedPromptTokens);
    this.tokens.inc({ platform, model, kind: 'reasoning' }, row.reasoningTokens);
    if (row.costMicroUsd) this.cost.inc({ platform, model }, row.costMicroUsd / 1_000_000);
  }

  /** Times a model resolution; a refused one is counted under its error code. */
  async timeResolution<T>(resolve: () => Promise<T>): Promise<T> {
    const end = this.resolution.startTimer();
    try {
      const model = await resolve();
      end({ result: 'ok' });
      return model;
    } catch (error) {
      end({ result: 'refused' });
      this.refusals.inc({ code: error instanceof LlmManagerError ? error.code : 'INTERNAL' });
      throw error;
    }
  }
}
