/** Reads GNU gettext .mo catalogs (the translated messages under /usr/share/locale) without gettext tools. */
import { readFileSync } from 'node:fs';

/** One message of a catalog: the English original and its translation (first plural form only). */
export interface MoMessage {
  readonly original: string;
  readonly translation: string;
}

const MAGIC_LE = 0x950412de;

/** All messages of a .mo file except the header entry, in catalog order (sorted by original). */
export function readMoFile(path: string): MoMessage[] {
  const buffer = readFileSync(path);
  const littleEndian = buffer.readUInt32LE(0) === MAGIC_LE;
  const u32 = (at: number): number => (littleEndian ? buffer.readUInt32LE(at) : buffer.readUInt32BE(at));
  const count = u32(8);
  const originals = u32(12);
  const translations = u32(16);
  const stringAt = (table: number, i: number): string => {
    const length = u32(table + i * 8);
    const offset = u32(table + i * 8 + 4);
    return buffer.toString('utf8', offset, offset + length);
  };
  const messages: MoMessage[] = [];
  for (let i = 0; i < count; i++) {
    // msgctxt is joined to msgid by U+0004; plural forms are separated by NUL.
    const original = stringAt(originals, i).split('\0')[0].split('\u0004').pop() ?? '';
    const translation = stringAt(translations, i).split('\0')[0];
    if (original.length > 0 && translation.length > 0) messages.push({ original, translation });
  }
  return messages;
}
