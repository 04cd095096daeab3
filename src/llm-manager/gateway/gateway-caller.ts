import { allowsModel } from '../api-tokens/token-controls';
import { LlmManagerError } from '../common/llm-manager.error';

/** Who a gateway request acts as, and which models its token may name. */
export class GatewayCaller {
  constructor(
    readonly userId: string,
    /** The token's id: what per-token budgets match on. */
    readonly tokenId: number,
    private readonly allowedModels: string[] | null,
  ) {}

  /** Whether the token may name `model`. */
  mayUse(model: string): boolean {
    return allowsModel(this.allowedModels, model);
  }

  /** @throws LlmManagerError `FORBIDDEN` when the token may not name `model`. */
  requireModel(model: string): void {
    if (this.mayUse(model)) return;
    throw new LlmManagerError('FORBIDDEN', `This token may not use the model '${model}'. GET /v1/models lists the models it may use.`, {
      details: { model },
    });
  }
}
