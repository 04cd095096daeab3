import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { CurrentIdentity, type RequestIdentity } from '../common/request-identity';
import { LlmManagerService } from '../llm-manager.service';
import { ProbeRequestDto } from './dto/probe-request.dto';
import { ProbeResultDto } from './dto/probe-result.dto';
import { TestModelRequestDto } from './dto/test-model-request.dto';
import { TestModelResultDto } from './dto/test-model-result.dto';
import { ModelProbeService, type ModelTestResult } from './model-probe.service';

/** The console's "probe models" and "test model" buttons (M6, M7), for any signed-in user. */
@LlmManagerApi('User probe and test')
@Controller('api/ai/user')
export class ProbeController {
  constructor(
    private readonly llm: LlmManagerService,
    private readonly probes: ModelProbeService,
  ) {}

  @Post('probe')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'List the models of an OpenAI-compatible endpoint',
    description:
      'Calls GET {baseUrl}/models (and {baseUrl}/v1/models when the first is a 404 without /v1) with the key, if any. ' +
      'Nothing is stored. A rejected key, a wrong path or an unreachable host is 502 UPSTREAM_ERROR with a message ' +
      'saying which. For non-admins, a URL reaching a loopback, private or link-local address is 400 URL_NOT_ALLOWED ' +
      '(unless the server sets LLM_ALLOW_PRIVATE_BASE_URLS).',
  })
  @ApiOkResponse({ type: ProbeResultDto, description: 'The model ids.', example: { models: ['deepseek-chat', 'deepseek-reasoner'] } })
  async probe(@CurrentIdentity() me: RequestIdentity, @Body() dto: ProbeRequestDto): Promise<ProbeResultDto> {
    // The caller chose this URL: the SSRF guard (B8) applies unless they are an admin.
    return { models: await this.probes.probePlatformModels(dto.baseUrl, dto.apiKey, { guarded: !me.isAdmin }) };
  }

  @Post('test-model')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Test a model with one tiny chat request',
    description:
      'Sends "Reply with the single word OK." to `{ platformId, modelId }` or to what the slot `{ usageKey }` is bound ' +
      "to, with the key the caller would use. An upstream failure is not an HTTP error: it is `ok: false` with the " +
      "upstream's message and status. The request counts in the caller's usage as agent llm-mgr:test.",
  })
  @ApiOkResponse({
    type: TestModelResultDto,
    description: 'The outcome.',
    examples: {
      ok: { summary: 'The model answered', value: { ok: true, latencyMs: 412 } },
      failed: {
        summary: 'The upstream refused',
        value: { ok: false, latencyMs: 88, error: '401 Incorrect API key provided: sk-…abcd', status: 401 },
      },
    },
  })
  testModel(@CurrentIdentity() me: RequestIdentity, @Body() dto: TestModelRequestDto): Promise<ModelTestResult> {
    return this.llm.testModel(me.userId, dto.toTarget());
  }
}
