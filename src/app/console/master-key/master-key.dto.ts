import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean, IsString, MaxLength, MinLength } from 'class-validator';
import type { MasterKeyStatus } from './master-key.service';

/** `POST /api/ai/admin/master-key`. */
export class SaveMasterKeyDto {
  @ApiProperty({ description: 'The master key the server runs with (at least 32 characters).', example: 'your-llm-key-of-at-least-32-characters' })
  @IsString()
  @MinLength(32, { message: 'key must be at least 32 characters long (LLM_KEY)' })
  @MaxLength(1000)
  key!: string;

  @ApiProperty({ description: 'Also set LLM_KEY in the server\'s .env (0600) so the next start finds it.', example: true })
  @IsBoolean()
  writeEnvFile!: boolean;
}

export class MasterKeyStatusDto implements MasterKeyStatus {
  @ApiProperty({ example: true }) configured!: boolean;
  @ApiProperty({ description: 'Non-reversible id of the key in force.', example: '3fa8c2d1' }) fingerprint!: string;
  @ApiProperty({ enum: ['env-file', 'environment'], example: 'env-file' }) source!: 'env-file' | 'environment';
  @ApiProperty({ example: '/srv/llm-mgr/.env' }) envFile!: string;
  @ApiProperty({ example: true }) envFileHasKey!: boolean;
  @ApiProperty({ description: '.env holds another key than the one in force.', example: false }) envFileDiffers!: boolean;
  @ApiProperty({ example: 3 }) encryptedInDatabase!: number;
  @ApiProperty({ description: 'null when llm_mgr_cfg.yaml does not parse (see yamlProblem).', example: 1, nullable: true, type: Number })
  encryptedInYaml!: number | null;
  @ApiProperty({ description: 'Why llm_mgr_cfg.yaml could not be read, or null.', example: null, nullable: true, type: String })
  yamlProblem!: string | null;
}
