import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Small key/value facts about the store itself, e.g. the master key check value. */
@Entity('llm_mgr_meta')
export class MetaEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;
}
