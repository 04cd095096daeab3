import { Module } from '@nestjs/common';
import { LlmManagerModule } from '../llm-manager/llm-manager.module';
import { HealthController } from './health.controller';

/** The standalone server: llm-mgr on the embedded SQLite default and the shipped YAML. */
@Module({
  imports: [LlmManagerModule.forRoot({})],
  controllers: [HealthController],
})
export class AppModule {}
