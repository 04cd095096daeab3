import { Module } from '@nestjs/common';
import { SecurityService } from './security.service';

/** Encryption and masking of secrets under the master key `LLM_KEY`. */
@Module({ providers: [SecurityService], exports: [SecurityService] })
export class SecurityModule {}
