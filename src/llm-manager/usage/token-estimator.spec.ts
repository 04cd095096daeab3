import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeChat } from 'gpt-tokenizer/cjs/encoding/o200k_base';
import { longestPerClass } from '../../../scripts/token-factors/class-lengths';
import { readCorpus } from '../../../scripts/token-factors/corpus-manifest';
import { BASE_ENCODING, baseTokenCount, baseTokenIds } from './token-base-encoding';
import { CLASS_COUNT, classCounts } from './token-classes';
import { TOKEN_CLASSES, TOKEN_FACTORS, TOKEN_FAMILIES, TokenEstimator, type TokenFactorsFile } from './token-estimator';

const corpus = readCorpus();
const estimator = new TokenEstimator();

describe('TokenEstimator', () => {
  it('estimates 0 for empty text and an empty conversation, in every family', async () => {
    for (const family of TOKEN_FAMILIES) {
      expect(estimator.estimate('', family)).toBe(0);
      await expect(estimator.estimateAsync('', family)).resolves.toBe(0);
      expect(estimator.estimateMessages([], family)).toBe(0);
    }
  });

  it('never estimates 0 for non-empty text', () => {
    for (const family of TOKEN_FAMILIES) expect(estimator.estimate('a', family)).toBeGreaterThanOrEqual(1);
  });

  it('is round(Σ tokens · T + characters · C) over the token classes, with the factors from token-factors.json', () => {
    for (const { text } of corpus.slice(0, 20)) {
      const counts = classCounts(baseTokenIds(text));
      for (const family of TOKEN_FAMILIES) {
        const { perToken, perChar } = TOKEN_FACTORS.families[family];
        const sum = TOKEN_CLASSES.reduce((s, c, i) => s + counts[i] * perToken[c] + counts[CLASS_COUNT + i] * perChar[c], 0);
        expect(estimator.estimate(text, family)).toBe(Math.max(1, Math.round(sum)));
      }
    }
  });

  it('gives the exact o200k_base count for OpenAI models', () => {
    for (const { text } of corpus) expect(estimator.estimate(text, 'openai')).toBe(baseTokenCount(text));
  });

  it('counts a chat the way OpenAI does: 3 per message + 1 for the role + 3 for the reply priming', () => {
    const messages = [
      { role: 'system', content: 'You are a terse assistant.' },
      { role: 'user', content: '用一句话解释什么是幂等。' },
      { role: 'assistant', content: 'An operation is idempotent if repeating it changes nothing.' },
      { role: 'user', content: 'Give an HTTP example.' },
    ] as const;
    expect(estimator.estimateMessages(messages, 'openai')).toBe(encodeChat([...messages], 'gpt-4o').length);
  });

  it('adds the family overhead per message and per request on top of the contents', () => {
    const messages = [
      { role: 'user', content: '你好' },
      { role: 'assistant', content: 'Hello! How can I help?' },
    ];
    for (const family of TOKEN_FAMILIES) {
      const { perMessage, perRequest } = TOKEN_FACTORS.families[family];
      const contents = messages.reduce((sum, m) => sum + estimator.estimate(m.content, family), 0);
      expect(estimator.estimateMessages(messages, family)).toBe(contents + Math.round(perMessage * 2 + perRequest));
    }
  });

  it('gives the same result async as sync, also for texts far larger than one slice', async () => {
    const big = corpus.map((doc) => doc.text).join('\n\n');
    for (const family of ['qwen', 'claude'] as const) {
      await expect(estimator.estimateAsync(big, family)).resolves.toBe(estimator.estimate(big, family));
    }
    const messages = corpus.slice(0, 6).map((doc, i) => ({ role: i % 2 ? 'assistant' : 'user', content: doc.text }));
    await expect(estimator.estimateMessagesAsync(messages, 'deepseek')).resolves.toBe(
      estimator.estimateMessages(messages, 'deepseek'),
    );
  });

  it('yields to the event loop between slices of a large text', async () => {
    const big = corpus.map((doc) => doc.text).join('\n\n');
    let turns = 0;
    let done = false;
    const spin = (): void => {
      turns++;
      if (!done) setImmediate(spin);
    };
    setImmediate(spin);
    await estimator.estimateAsync(big, 'gemini');
    done = true;
    expect(turns).toBeGreaterThan(big.length / 4096 / 2);
  });

  it('refuses factors fitted on another base encoding', () => {
    const other: TokenFactorsFile = { ...TOKEN_FACTORS, baseEncoding: 'cl100k_base' };
    expect(() => new TokenEstimator(other)).toThrow(/re-run scripts\/token-factors\/fit\.ts/);
  });

  it('loads the encoding on the first estimate, not on import or construction', () => {
    let loads = 0;
    jest.isolateModules(() => {
      jest.doMock('gpt-tokenizer/cjs/encoding/o200k_base', () => {
        loads++;
        return jest.requireActual('gpt-tokenizer/cjs/encoding/o200k_base');
      });
      const { TokenEstimator: Fresh } = jest.requireActual<typeof import('./token-estimator')>('./token-estimator');
      const fresh = new Fresh();
      expect(loads).toBe(0);
      fresh.estimate('hello', 'openai');
      fresh.estimate('world', 'qwen');
      expect(loads).toBe(1);
    });
  });
});

describe('token-factors.json', () => {
  const onDisk = JSON.parse(readFileSync(join(__dirname, 'token-factors.json'), 'utf8')) as TokenFactorsFile;

  it('is what the estimator uses', () => {
    expect(TOKEN_FACTORS).toEqual(onDisk);
    for (const family of TOKEN_FAMILIES) expect(estimator.factorsFor(family)).toEqual(onDisk.families[family]);
  });

  it('was fitted on this base encoding and these token classes', () => {
    expect(onDisk.baseEncoding).toBe(BASE_ENCODING);
    expect(onDisk.classes).toEqual([...TOKEN_CLASSES]);
    expect(() => new TokenEstimator({ ...onDisk, classes: onDisk.classes.slice(1) })).toThrow(/other token classes/);
  });

  it('has factors for every family and class, the identity for OpenAI', () => {
    expect(Object.keys(onDisk.families).sort()).toEqual([...TOKEN_FAMILIES].sort());
    for (const family of TOKEN_FAMILIES) {
      const { perToken, perChar } = onDisk.families[family];
      expect(Object.keys(perToken)).toEqual([...TOKEN_CLASSES]);
      expect(Object.keys(perChar)).toEqual([...TOKEN_CLASSES]);
    }
    for (const c of TOKEN_CLASSES) {
      expect(onDisk.families.openai.perToken[c]).toBe(1);
      expect(onDisk.families.openai.perChar[c]).toBe(0);
    }
  });

  it('gives every token a positive cost, at every length its class has, in every family', () => {
    const longest = longestPerClass();
    const negative = TOKEN_FAMILIES.flatMap((family) =>
      TOKEN_CLASSES.flatMap((c, i) =>
        Array.from({ length: longest[i] }, (_, k) => k + 1)
          .filter((length) => onDisk.families[family].perToken[c] + onDisk.families[family].perChar[c] * length <= 0)
          .map((length) => `${family} ${c} ×${length}`),
      ),
    );
    expect(negative).toEqual([]);
  });

  it('records held-out errors at most 3 % for every fitted family', () => {
    for (const family of TOKEN_FAMILIES.filter((f) => f !== 'default')) {
      expect(onDisk.families[family].heldOutMeanAbsPctError).toBeLessThanOrEqual(3);
    }
  });
});
