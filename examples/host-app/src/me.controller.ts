import { Controller, Get } from '@nestjs/common';
import { LlmManagerService, type UserSelectionView } from 'llm-mgr';
import { UserId } from './identity';

/** A route of this app that uses llm-mgr through its facade. */
@Controller('me')
export class MeController {
  constructor(private readonly llmManager: LlmManagerService) {}

  /** The caller's `main` slot: which platform and model `getUserLlm(userId)` would answer with. */
  @Get('llm')
  llm(@UserId() userId: string): Promise<UserSelectionView> {
    return this.llmManager.getUserSelection(userId);
  }
}
