import { Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { TestModelResultDto } from '../builder/dto/test-model-result.dto';
import type { ModelTestResult } from '../builder/model-probe.service';
import { LlmManagerApi } from '../common/llm-manager-api.decorator';
import { AdminOnly } from '../common/request-identity';
import { PlatformViewDto } from './dto/platform-view.dto';
import { ApiAdminErrors } from './dto/sys-error-body.dto';
import { SysIdParamDto } from './dto/sys-platform.dto';
import { PlatformHealthService } from './platform-health.service';
import type { PlatformView } from './platform.types';

const { BAD_REQUEST, NOT_FOUND } = HttpStatus;

/** Issue 19: a system platform switched off and on, and tested as a whole, for the console's health view. */
@LlmManagerApi('admin: system platforms')
@AdminOnly()
@Controller('api/ai/admin/sys-platform/:id')
export class PlatformHealthController {
  constructor(private readonly health: PlatformHealthService) {}

  @Post('disable')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Disable a system platform without deleting it',
    description:
      'The platform keeps its models, keys and the slots bound to it, but is not usable: getUserLlm and self-repair do ' +
      'not pick it (a slot bound to it goes where self-repair would send it, without being re-bound), fallback chains ' +
      'skip it, GET /v1/models omits its models and getSpecSysLlm answers 409 PLATFORM_DISABLED. Kept in the database ' +
      'only (not a YAML key); a YAML sync or reset leaves it as it is. Disabling a disabled platform changes nothing.',
  })
  @ApiOkResponse({ type: PlatformViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  disable(@Param() param: SysIdParamDto): Promise<PlatformView> {
    return this.health.setEnabled(param.id, false);
  }

  @Post('enable')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Enable a disabled system platform', description: 'Slots still bound to it use it again at once.' })
  @ApiOkResponse({ type: PlatformViewDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  enable(@Param() param: SysIdParamDto): Promise<PlatformView> {
    return this.health.setEnabled(param.id, true);
  }

  @Post('test')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Test a system platform',
    description:
      "Sends one tiny chat request to the platform's first model with the system key, as test-model does (a disabled " +
      'platform can be tested). The outcome is kept on the platform (`lastTest` in the list: time, ok, a short detail ' +
      'with keys masked). Upstream failures, and a platform without models, answer 200 with `ok: false`.',
  })
  @ApiOkResponse({ type: TestModelResultDto })
  @ApiAdminErrors(BAD_REQUEST, NOT_FOUND)
  test(@Param() param: SysIdParamDto): Promise<ModelTestResult> {
    return this.health.test(param.id);
  }
}
