import { PartialType } from '@nestjs/swagger';
import type { ModelPatch } from '../platform.types';
import { CreateModelDto } from './model-create.dto';

/** A partial edit of a model: only the fields sent change. */
export class UpdateModelDto extends PartialType(CreateModelDto) implements ModelPatch {}
