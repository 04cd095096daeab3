import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { ParseIdPipe } from '../admin/dto/user-route-id.pipe';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { AdminOnly } from '../common/request-identity';
import { ApiTokenService } from './api-token.service';
import type { ApiTokenView, IssuedApiToken } from './api-token.types';
import { ApiTokenViewDto, IssuedApiTokenDto } from './dto/api-token-view.dto';
import { IssueApiTokenDto } from './dto/issue-api-token.dto';
import { ListApiTokensQuery } from './dto/list-api-tokens.query';

/** Per-user API tokens, for administrators: issue (shown once), list, revoke. */
@LlmManagerApi('api-tokens')
@AdminOnly()
@Controller('api/ai/admin/tokens')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokenService) {}

  @Post()
  @ApiOperation({ summary: 'Issue a token for a user; the answer is the only time the token is shown' })
  @ApiCreatedResponse({ type: IssuedApiTokenDto })
  issue(@Body() dto: IssueApiTokenDto): Promise<IssuedApiToken> {
    return this.tokens.issue(dto.userId, dto.name, dto);
  }

  @Get()
  @ApiOperation({ summary: "List tokens (all, or one user's), without the tokens themselves" })
  @ApiOkResponse({ type: ApiTokenViewDto, isArray: true })
  list(@Query() query: ListApiTokensQuery): Promise<ApiTokenView[]> {
    return this.tokens.list(query.userId);
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke a token at once; revoking twice is harmless' })
  @ApiOkResponse({ type: ApiTokenViewDto })
  revoke(@Param('id', ParseIdPipe) id: number): Promise<ApiTokenView> {
    return this.tokens.revoke(id);
  }
}
