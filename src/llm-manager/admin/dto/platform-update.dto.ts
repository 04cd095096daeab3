import { OmitType, PartialType } from '@nestjs/swagger';
import type { PlatformPatch } from '../platform.types';
import { CreatePlatformDto } from './platform-create.dto';

/** A partial edit of a platform: only the fields sent change; models are edited through their own routes. */
export class UpdatePlatformDto extends PartialType(OmitType(CreatePlatformDto, ['models'] as const)) implements PlatformPatch {}
