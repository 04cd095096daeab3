import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The one row every configuration write bumps; instances compare it to learn that another one changed something. */
@Entity('llm_mgr_config_version')
export class ConfigVersionEntity {
  @PrimaryColumn({ type: 'integer' })
  id!: number;

  @Column({ type: 'integer', default: 0 })
  version!: number;
}
