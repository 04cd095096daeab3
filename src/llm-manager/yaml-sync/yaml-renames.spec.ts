import { withRename } from './yaml-renames';

describe('withRename: pending platform renames of the YAML', () => {
  it('records a rename as new name → the name the database has', () => {
    expect(withRename({}, 'North', 'Boreal')).toEqual({ Boreal: 'North' });
  });

  it('collapses a chain, so the database row is renamed once', () => {
    expect(withRename({ Boreal: 'North' }, 'Boreal', 'Arctic')).toEqual({ Arctic: 'North' });
  });

  it('forgets a rename undone before the next start', () => {
    expect(withRename({ Boreal: 'North' }, 'Boreal', 'North')).toEqual({});
  });

  it('keeps renames of other platforms and never changes its input', () => {
    const pending = { Boreal: 'North' };
    expect(withRename(pending, 'South', 'Austral')).toEqual({ Boreal: 'North', Austral: 'South' });
    expect(pending).toEqual({ Boreal: 'North' });
  });
});
