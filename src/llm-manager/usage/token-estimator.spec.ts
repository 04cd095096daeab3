import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeChat } from 'gpt-tokenizer/cjs/encoding/o200k_base';
import { corpusSha256, readCorpus } from '../../../scripts/token-factors/corpus-manifest';
import { loadRealTokenizers, type RealTokenizer } from '../../../scripts/token-factors/real-tokenizers';
import { BASE_ENCODING, baseTokenCount } from './token-base-encoding';
import { cjkRatio, TOKEN_FACTORS, TOKEN_FAMILIES, TokenEstimator, type TokenFactorsFile } from './token-estimator';

const corpus = readCorpus();
const estimator = new TokenEstimator();

/** Texts written for this spec, in none of the corpus files, so the fit never saw them. */
const UNSEEN_SAMPLES: readonly string[] = [
  `每天晚上九点，河边的步道上总能看到夜跑的人。有人戴着耳机，一言不发地向前跑；有人三五成群，边跑边聊工作和孩子；` +
    `也有刚开始锻炼的年轻人，跑一段走一段，气喘吁吁却不肯停下。我是去年秋天加入他们的。最初只能跑两公里，` +
    `膝盖还隐隐作痛，后来慢慢增加到五公里、八公里。跑步并没有让我的生活发生翻天覆地的变化，但它让我学会了` +
    `一件事：很多看起来遥不可及的目标，拆成每天一点点，其实都能抵达。河面上的灯光随着脚步一晃一晃，` +
    `风从水面吹过来，带着一点湿润的凉意，那是一天里最安静的时刻。`,
  `The committee met on Thursday to review the draft budget for the coming fiscal year. Most of the discussion ` +
    `centred on the library renovation, which has run roughly eighteen percent over its original estimate because ` +
    `of unexpected structural repairs to the east wing. Several members argued that the project should be paused ` +
    `until a second engineering assessment is complete; others warned that a pause would raise costs further once ` +
    `contractors were remobilised. In the end the committee voted to continue the work while capping any additional ` +
    `spending at the contingency fund already set aside, and asked staff to report back monthly on progress.`,
  `export function debounce<A extends unknown[]>(fn: (...args: A) => void, waitMs: number): (...args: A) => void {\n` +
    `  let timer: ReturnType<typeof setTimeout> | undefined;\n` +
    `  return (...args: A): void => {\n` +
    `    if (timer !== undefined) clearTimeout(timer);\n` +
    `    timer = setTimeout(() => {\n` +
    `      timer = undefined;\n` +
    `      fn(...args);\n` +
    `    }, waitMs);\n` +
    `  };\n}\n\n` +
    `const save = debounce((draft: { id: string; body: string }) => api.put(\`/drafts/\${draft.id}\`, draft), 500);\n`,
  `请帮我 review 下面这段 NestJS 代码：\`UsersService.findAll()\` 在数据量大的时候会很慢，我怀疑是没有分页，` +
    `另外 \`@UseGuards(AuthGuard('jwt'))\` 放在 controller 上以后，\`/health\` 接口也需要登录了，这不是我想要的。` +
    `请指出问题，并给出修改后的代码，要求：使用 TypeORM 的 \`findAndCount\` 实现分页，默认 pageSize 为 20，最大 100；` +
    `health 检查接口用 \`@Public()\` 装饰器跳过鉴权。`,
];

const pctError = (estimate: number, real: number): number => (Math.abs(estimate - real) / real) * 100;

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

  it('is round(base · (F_zh · r + F_en · (1 − r))) with the factors from token-factors.json', () => {
    for (const { text } of corpus.slice(0, 20)) {
      const r = cjkRatio(text);
      for (const family of TOKEN_FAMILIES) {
        const { zh, en } = TOKEN_FACTORS.families[family];
        expect(estimator.estimate(text, family)).toBe(Math.round(baseTokenCount(text) * (zh * r + en * (1 - r))));
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

  it('was fitted on this base encoding and on the corpus in the repository', () => {
    expect(onDisk.baseEncoding).toBe(BASE_ENCODING);
    expect(onDisk.corpus.documents).toBe(corpus.length);
    expect(onDisk.corpus.sha256).toBe(corpusSha256(corpus));
  });

  it('has plausible factors for every family, and 1.0 for OpenAI', () => {
    expect(Object.keys(onDisk.families).sort()).toEqual([...TOKEN_FAMILIES].sort());
    for (const family of TOKEN_FAMILIES) {
      const { zh, en } = onDisk.families[family];
      expect(zh).toBeGreaterThan(0.4);
      expect(zh).toBeLessThan(2.5);
      expect(en).toBeGreaterThan(0.6);
      expect(en).toBeLessThan(1.6);
    }
    expect(onDisk.families.openai.zh).toBeCloseTo(1, 2);
    expect(onDisk.families.openai.en).toBeCloseTo(1, 2);
  });
});

describe('accuracy against the real tokenizers on text the fit never saw', () => {
  let tokenizers: RealTokenizer[] = [];
  const unseen = [
    ...corpus.filter((doc) => doc.heldOut).map((doc) => ({ name: doc.file, text: doc.text })),
    ...UNSEEN_SAMPLES.map((text, i) => ({ name: `spec sample ${i + 1}`, text })),
  ];

  beforeAll(() => {
    tokenizers = loadRealTokenizers();
  }, 120_000);

  it('holds out documents of every category', () => {
    expect(new Set(corpus.filter((doc) => doc.heldOut).map((doc) => doc.category)).size).toBe(4);
  });

  it.each(['qwen', 'deepseek', 'gemini', 'llama', 'openai', 'claude'] as const)(
    '%s: every unseen text is within the training max error',
    (family) => {
      const tokenizer = tokenizers.find((t) => t.family === family)!;
      const bound = TOKEN_FACTORS.families[family].maxAbsPctError;
      const outside = unseen
        .map(({ name, text }) => ({ name, error: pctError(estimator.estimate(text, family), tokenizer.count(text)) }))
        .filter((row) => row.error > bound);
      expect(outside).toEqual([]);
    },
  );

  it('default: every unseen text is within its pooled bound for every real tokenizer', () => {
    const bound = TOKEN_FACTORS.families.default.maxAbsPctError;
    const outside = unseen.flatMap(({ name, text }) =>
      tokenizers
        .map((t) => ({ name, family: t.family, error: pctError(estimator.estimate(text, 'default'), t.count(text)) }))
        .filter((row) => row.error > bound),
    );
    expect(outside).toEqual([]);
  });
});
