import { parseDocument } from 'yaml';
import { LlmManagerError } from '../../../llm-manager/common/llm-manager.error';
import { parseYamlConfig } from '../../../llm-manager/yaml-sync/yaml-config.loader';
import * as edits from './yaml-document-edits';

const TEXT = `# operator's note
platforms:
  A:
    base_url: https://a.example.com/v1   # endpoint A
    models:
      Fast: a-fast
  B:
    base_url: https://b.example.com/v1
    api_key: '{B_KEY}'
    models:
      Big: { model_name: b-big, extra_body: { t: 1 } }
usages:
  main: { platform: A, model: Fast }
  fast: { platform: A, model: Fast }
  reason: { platform: B, model: Big }
`;

function edited(change: (doc: ReturnType<typeof parseDocument>) => unknown): string {
  const doc = parseDocument(TEXT);
  change(doc);
  const text = doc.toString({ lineWidth: 0 });
  parseYamlConfig(text, 'test.yaml'); // every result must still load
  return text;
}

describe('YAML mode edits', () => {
  it('keep comments, and bindings follow a renamed platform or model', () => {
    const text = edited((doc) => {
      edits.updatePlatform(doc, 'A', { name: 'Alpha', baseUrl: 'https://alpha.example.com/v1' });
      edits.updateModel(doc, 'Alpha', 'Fast', { displayName: 'Quick', modelName: 'a-quick', extraBody: { x: true } });
    });
    expect(text).toContain("# operator's note");
    expect(text).toContain('# endpoint A');
    const config = parseYamlConfig(text, 'test.yaml');
    expect(config.platforms[0]).toMatchObject({ name: 'Alpha', baseUrl: 'https://alpha.example.com/v1' });
    expect(config.platforms[0].models[0]).toMatchObject({ displayName: 'Quick', modelName: 'a-quick', extraBody: { x: true } });
    expect(config.usages.find((u) => u.usageKey === 'main')).toMatchObject({ platform: 'Alpha', model: 'Quick' });
  });

  it('write the prices of a model (full form), and keep the short form for a model with neither extra_body nor prices', () => {
    const text = edited((doc) => {
      edits.updateModel(doc, 'A', 'Fast', { displayName: 'Fast', modelName: 'a-fast', inputPrice: 2, cachedInputPrice: 0.5, outputPrice: 8 });
      edits.addModel(doc, 'B', { displayName: 'Plain', modelName: 'b-plain', inputPrice: null, outputPrice: null });
      edits.addModel(doc, 'B', { displayName: 'Half', modelName: 'b-half', extraBody: { t: 2 }, outputPrice: 1 });
    });
    expect(text).toContain('Plain: b-plain');
    const [a, b] = parseYamlConfig(text, 'test.yaml').platforms;
    expect(a.models[0]).toEqual({ displayName: 'Fast', modelName: 'a-fast', extraBody: null, inputPrice: 2, cachedInputPrice: 0.5, outputPrice: 8 });
    expect(b.models.find((m) => m.displayName === 'Half')).toEqual({
      displayName: 'Half',
      modelName: 'b-half',
      extraBody: { t: 2 },
      inputPrice: null,
      cachedInputPrice: null,
      outputPrice: 1,
    });
  });

  it('move a platform to the top, put api_key after base_url, and drop the bindings of what is deleted', () => {
    const text = edited((doc) => {
      edits.moveToTop(doc, 'B');
      edits.setApiKey(doc, 'A', '{A_KEY}');
      expect(edits.deleteModel(doc, 'B', 'Big')).toEqual(['reason']);
    });
    expect(text).toMatch(/ {2}A:\n {4}base_url: .*\n {4}api_key: '\{A_KEY\}'/);
    const config = parseYamlConfig(text, 'test.yaml');
    expect(config.platforms.map((p) => p.name)).toEqual(['B', 'A']);
    expect(config.usages.map((u) => u.usageKey)).toEqual(['main', 'fast']);
  });

  it('refuse a taken name (case-insensitive) and an unknown platform with domain codes', () => {
    const doc = parseDocument(TEXT);
    const codeOf = (action: () => unknown): string | undefined => {
      try {
        action();
      } catch (error) {
        return error instanceof LlmManagerError ? error.code : 'other';
      }
      return undefined;
    };
    expect(codeOf(() => edits.addPlatform(doc, 'a', 'https://x.example.com'))).toBe('NAME_CONFLICT');
    expect(codeOf(() => edits.updatePlatform(doc, 'A', { name: 'b' }))).toBe('NAME_CONFLICT');
    expect(codeOf(() => edits.addModel(doc, 'A', { displayName: 'fast', modelName: 'x' }))).toBe('NAME_CONFLICT');
    expect(codeOf(() => edits.moveToTop(doc, 'Nope'))).toBe('PLATFORM_NOT_FOUND');
    expect(codeOf(() => edits.deleteUsage(doc, 'nope'))).toBe('USAGE_SLOT_NOT_FOUND');
  });

  it('a usage keeps its fallbacks when re-bound; they follow renames and lose deleted models', () => {
    const chained = TEXT.replace('  main: { platform: A, model: Fast }\n', '  main:\n    platform: A\n    model: Fast\n    fallbacks:\n      - { platform: B, model: Big }\n      - { platform: A, model: Fast }\n');
    const run = (change: (doc: ReturnType<typeof parseDocument>) => unknown): ReturnType<typeof parseYamlConfig> => {
      const doc = parseDocument(chained);
      change(doc);
      return parseYamlConfig(doc.toString({ lineWidth: 0 }), 'test.yaml');
    };
    const main = (config: ReturnType<typeof parseYamlConfig>): unknown => config.usages.find((u) => u.usageKey === 'main');

    expect(main(run((doc) => edits.setUsage(doc, 'main', 'B', 'Big')))).toMatchObject({
      platform: 'B', model: 'Big', fallbacks: [{ platform: 'B', model: 'Big' }, { platform: 'A', model: 'Fast' }],
    });
    expect(main(run((doc) => {
      edits.updatePlatform(doc, 'B', { name: 'Beta' });
      edits.updateModel(doc, 'Beta', 'Big', { displayName: 'Huge', modelName: 'b-big' });
    }))).toMatchObject({ fallbacks: [{ platform: 'Beta', model: 'Huge' }, { platform: 'A', model: 'Fast' }] });
    expect(main(run((doc) => edits.deleteModel(doc, 'B', 'Big')))).toMatchObject({ platform: 'A', model: 'Fast', fallbacks: [{ platform: 'A', model: 'Fast' }] });
  });
});

