import { BlockList, isIP } from 'node:net';
import { LlmManagerError } from '../common/llm-manager.error';

/** What an admin may restrict a token to when issuing it; every field left out is no restriction. */
export interface ApiTokenControls {
  /** ISO 8601 moment after which the token no longer verifies (fractions of a second dropped); in the future. */
  expiresAt?: string | null;
  /** Model names the gateway accepts, as a request spells them: usage slots (`main`) and/or `platform/model`. */
  allowedModels?: string[] | null;
  /** Client addresses the gateway accepts: IPs (`203.0.113.7`, `::1`) and CIDRs (`10.0.0.0/8`). */
  allowedIps?: string[] | null;
}

/** The controls as stored: validated, trimmed, duplicates dropped. */
export interface StoredTokenControls {
  expiresAt: Date | null;
  allowedModels: string[] | null;
  allowedIps: string[] | null;
}

export const MAX_LISTED = 100;
const MAX_NAME_LENGTH = 200;

/**
 * Validates the controls of a token being issued.
 * @throws LlmManagerError `VALIDATION_FAILED` naming the field: a past or unreadable date, an empty or too long
 * list, an entry that is no IP or CIDR.
 */
export function readTokenControls(controls: ApiTokenControls, now: Date): StoredTokenControls {
  return {
    expiresAt: readExpiry(controls.expiresAt, now),
    allowedModels: readList(controls.allowedModels, 'allowedModels', (name) => name.length <= MAX_NAME_LENGTH),
    allowedIps: readList(controls.allowedIps, 'allowedIps', (entry) => parseAddressRule(entry) !== null),
  };
}

/**
 * Built once per list: a cached token hands the same array to every request, and building a BlockList costs ~20 µs
 * (three rules), ten times the check itself.
 */
const compiled = new WeakMap<string[], BlockList>();

/** Whether a request from `ip` may use a token restricted to `allowedIps`. */
export function allowsIp(allowedIps: string[] | null, ip: string | undefined): boolean {
  if (allowedIps === null) return true;
  const address = ip === undefined ? undefined : unmapped(ip);
  if (address === undefined || isIP(address) === 0) return false;
  let list = compiled.get(allowedIps);
  if (list === undefined) {
    list = blockListOf(allowedIps);
    compiled.set(allowedIps, list);
  }
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

function blockListOf(allowedIps: string[]): BlockList {
  const list = new BlockList();
  for (const entry of allowedIps) {
    const rule = parseAddressRule(entry);
    if (rule === null) continue;
    if (rule.prefix === null) list.addAddress(rule.address, rule.family);
    else list.addSubnet(rule.address, rule.prefix, rule.family);
  }
  return list;
}

/** Whether a token restricted to `allowedModels` may name `model` (exactly as listed). */
export function allowsModel(allowedModels: string[] | null, model: string): boolean {
  return allowedModels === null || allowedModels.includes(model);
}

function readExpiry(value: unknown, now: Date): Date | null {
  if (value === undefined || value === null) return null;
  const at = typeof value === 'string' ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw invalid('expiresAt', 'expiresAt: an ISO 8601 date-time such as 2027-01-31T00:00:00Z.');
  // Whole seconds: MySQL/MariaDB store DATETIME without fractions, and every engine must report the same moment.
  const seconds = new Date(Math.floor(at.getTime() / 1000) * 1000);
  if (seconds.getTime() <= now.getTime()) throw invalid('expiresAt', 'expiresAt: must lie in the future.');
  return seconds;
}

function readList(value: unknown, field: string, accepts: (entry: string) => boolean): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_LISTED) {
    throw invalid(field, `${field}: a list of 1–${MAX_LISTED} entries, or leave it out for no restriction.`);
  }
  const entries = value.map((entry: unknown) => (typeof entry === 'string' ? entry.trim() : ''));
  const bad = entries.find((entry) => entry === '' || !accepts(entry));
  if (bad !== undefined) throw invalid(field, `${field}: '${bad}' is not a valid entry.`);
  return [...new Set(entries)];
}

interface AddressRule {
  address: string;
  prefix: number | null;
  family: 'ipv4' | 'ipv6';
}

function parseAddressRule(entry: string): AddressRule | null {
  const [address, prefixText, extra] = entry.split('/');
  const version = isIP(address ?? '');
  if (version === 0 || extra !== undefined) return null;
  const family = version === 6 ? 'ipv6' : 'ipv4';
  if (prefixText === undefined) return { address: address!, prefix: null, family };
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= (version === 6 ? 128 : 32))) return null;
  return { address: address!, prefix, family };
}

/** `::ffff:10.0.0.1`, as a dual-stack socket reports an IPv4 client, is `10.0.0.1`. */
function unmapped(ip: string): string {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  return v4 ?? ip;
}

function invalid(field: string, message: string): LlmManagerError {
  return new LlmManagerError('VALIDATION_FAILED', message, { details: { field } });
}
