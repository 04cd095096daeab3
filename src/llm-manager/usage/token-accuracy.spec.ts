import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isHeldOutGroup } from '../../../scripts/token-factors/large/passages';
import { FITTED_FAMILIES, loadRealTokenizers, type RealTokenizer } from '../../../scripts/token-factors/real-tokenizers';
import type { HeldOutFixture } from '../../../scripts/token-factors/write-fixture';
import { TOKEN_FACTORS, TokenEstimator } from './token-estimator';

/** Held-out passages of the fit's corpus with the real tokenizers' counts, written by scripts/token-factors/fit.ts. */
const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'token-held-out.json'), 'utf8')) as HeldOutFixture;
const estimator = new TokenEstimator();

/** Texts written for this spec, in no corpus, so the fit never saw them. */
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

const absPctError = (estimate: number, real: number): number => (Math.abs(estimate - real) / real) * 100;

describe('estimator accuracy on text the fit never saw', () => {
  let tokenizers: RealTokenizer[] = [];

  beforeAll(() => {
    tokenizers = loadRealTokenizers();
  }, 120_000);

  it('the fixture holds only held-out passages, of every category, within 300 KB', () => {
    expect(fixture.passages.filter((p) => !isHeldOutGroup(p.group))).toEqual([]);
    expect(new Set(fixture.passages.map((p) => p.category))).toEqual(new Set(['zh', 'en', 'code', 'mixed']));
    expect(Buffer.byteLength(JSON.stringify(fixture))).toBeLessThanOrEqual(300_000);
  });

  it("the fixture's counts are what the real tokenizers count today", () => {
    const stale = fixture.passages.flatMap((p) =>
      tokenizers.filter((t) => t.count(p.text) !== p.real[t.family]).map((t) => `${t.family}: ${p.id}`),
    );
    expect(stale).toEqual([]);
  });

  it.each(FITTED_FAMILIES)('%s: mean absolute error on the held-out fixture is at most 3 %%', (family) => {
    const errors = fixture.passages.map((p) => absPctError(estimator.estimate(p.text, family), p.real[family]));
    const mape = errors.reduce((sum, e) => sum + e, 0) / errors.length;
    expect(mape).toBeLessThanOrEqual(3);
  });

  it.each(FITTED_FAMILIES)('%s: each text written for this spec is within the held-out max error', (family) => {
    const tokenizer = tokenizers.find((t) => t.family === family)!;
    const bound = TOKEN_FACTORS.families[family].heldOutMaxAbsPctError;
    const outside = UNSEEN_SAMPLES.map((text, i) => ({ i, error: absPctError(estimator.estimate(text, family), tokenizer.count(text)) }))
      .filter((row) => row.error > bound);
    expect(outside).toEqual([]);
  });
});
