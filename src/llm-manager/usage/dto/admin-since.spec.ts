import { LlmManagerError } from '../../common/llm-manager.error';
import { daysBefore, parseSince } from './admin-since';

const NOW = new Date('2026-03-15T12:00:00.000Z');

describe('parseSince', () => {
  it('reads durations back from now', () => {
    expect(parseSince('90m', NOW)).toEqual(new Date('2026-03-15T10:30:00.000Z'));
    expect(parseSince('24h', NOW)).toEqual(new Date('2026-03-14T12:00:00.000Z'));
    expect(parseSince('7d', NOW)).toEqual(new Date('2026-03-08T12:00:00.000Z'));
    expect(parseSince('30d', NOW)).toEqual(new Date('2026-02-13T12:00:00.000Z'));
    expect(parseSince('2w', NOW)).toEqual(new Date('2026-03-01T12:00:00.000Z'));
    expect(parseSince(' 7d ', NOW)).toEqual(new Date('2026-03-08T12:00:00.000Z'));
  });

  it('reads ISO dates, UTC unless a zone is given', () => {
    expect(parseSince('2026-01-31', NOW)).toEqual(new Date('2026-01-31T00:00:00.000Z'));
    expect(parseSince('2026-01-31T08:00', NOW)).toEqual(new Date('2026-01-31T08:00:00.000Z'));
    expect(parseSince('2026-01-31 08:00:30', NOW)).toEqual(new Date('2026-01-31T08:00:30.000Z'));
    expect(parseSince('2026-01-31T08:00:00.250Z', NOW)).toEqual(new Date('2026-01-31T08:00:00.250Z'));
    expect(parseSince('2026-01-31T08:00:00+08:00', NOW)).toEqual(new Date('2026-01-31T00:00:00.000Z'));
  });

  it('leaves an absent value open', () => {
    expect(parseSince(undefined, NOW)).toBeUndefined();
  });

  it.each(['', 'yesterday', '0d', '7', 'd7', '7y', '-7d', '1.5h', '9999999d', '36501d', '2026-02-30', '2026-13-01', '2026-01-31T25:00', '2026-1-31', '2026-01-31T08:00:00+0800x'])(
    'refuses %p as VALIDATION_FAILED naming the field',
    (text) => {
      let caught: unknown;
      try {
        parseSince(text, NOW, 'since');
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(LlmManagerError);
      expect(caught).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'since' } });
    },
  );
});

describe('daysBefore', () => {
  it('counts whole days back', () => {
    expect(daysBefore(NOW, 30)).toEqual(new Date('2026-02-13T12:00:00.000Z'));
  });
});
