// The server's errors in the operator's language, by code and details. English shows the server's own message: it is
// written in English and says more than a template could. A template whose details are missing falls back to it too.
import { currentLang } from './i18n.js';

const zh = {
  NAME_CONFLICT: '名称“{name}”已被使用，请换一个名称。',
  UNAUTHENTICATED: '令牌无效或已被吊销：请检查后重新输入。',
  FORBIDDEN: '此令牌没有执行该操作的权限。',
  AUTH_THROTTLED: '尝试次数过多，请稍后再试。',
  VALIDATION_FAILED: '字段“{field}”的值无效。',
  PLATFORM_NOT_FOUND: '平台不存在（可能已被删除），请刷新页面。',
  MODEL_NOT_FOUND: '模型不存在（可能已被删除），请刷新页面。',
  USAGE_SLOT_NOT_FOUND: '用途“{usageKey}”不存在。',
  NOT_FOUND: '要找的内容不存在，请刷新页面。',
  API_KEY_MISSING: '平台“{platform}”没有 API Key：请先为它设置 Key。',
  NO_USABLE_MODEL: '没有可用的模型：请先添加平台和模型，并设置 Key。',
  URL_NOT_ALLOWED: '不允许访问该地址：{url}',
  'UPSTREAM_ERROR/rejected': '平台拒绝了 API Key（HTTP {status}）：请检查 {host} 的 Key。',
  'UPSTREAM_ERROR/status': '平台返回了错误 HTTP {status}：请检查 base_url 和 Key。',
  'UPSTREAM_ERROR/unreachable': '无法连接 {host}：请检查 base_url，以及本服务器能否访问它。',
  UPSTREAM_KEY_REJECTED: '平台拒绝了 API Key（HTTP {status}）：请检查 Key。',
  UPSTREAM_RATE_LIMITED: '平台限流（HTTP {status}）：请稍后再试。',
  UPSTREAM_TIMEOUT: '平台未在规定时间内响应，请稍后再试。',
  UPSTREAM_UNREACHABLE: '无法连接平台：请检查 base_url，以及本服务器能否访问它。',
  DATABASE_BUSY: '数据库繁忙，请稍后再试。',
  DATABASE_UNAVAILABLE: '数据库暂时不可用，请稍后再试。',
  CONFIG_INVALID: 'llm_mgr_cfg.yaml 有误（第 {line} 行）：请修正后重试。',
  MASTER_KEY_INVALID: 'LLM_KEY 无法解密已保存的密钥：请确认使用的是原来的 LLM_KEY。',
  MASTER_KEY_MISSING: '未设置 LLM_KEY：无法加密或解密 API Key。',
  FORBIDDEN_IN_FIXED_MODE: '固定模式（USE_SYS_LLM_CONFIG）下不允许此操作。',
  SHUTTING_DOWN: '服务器正在关闭，请稍后再试。',
  RATE_LIMITED: '已达到速率限制（{limit} 上限 {limitValue}），请求未发送：请 {retryAfterSeconds} 秒后再试。',
  RATE_LIMITER_UNAVAILABLE: '无法检查速率限制（Redis 未响应），请求未发送：请稍后再试。',
  NETWORK: '服务器没有响应：请检查网络或服务器是否在运行。',
  // Issue 19: a disabled platform, and the warnings about llm_mgr_cfg.yaml (GET /api/ai/admin/yaml → warningDetails).
  PLATFORM_DISABLED: '平台“{platformName}”已停用：请先启用它，或改用其他平台。',
  PLAINTEXT_API_KEY: '{file} 中的平台“{platform}”（第 {line} 行）使用明文 api_key：请在控制台或用 npx llm-mgr encrypt 加密后粘贴 ENC:v1:… 值，或写成 ‘｛环境变量名｝’ 引用环境变量。',
  USAGE_TARGET_MISSING: '用途“{usageKey}”指向 {platform}/{model}，但数据库中已没有它（之前已删除）：请在管理 API 或控制台中重新绑定。',
  FALLBACK_TARGET_MISSING: '用途“{usageKey}”的备用模型 {platform}/{model} 不在数据库中，已略过。',
};

/** Which template of `code` the details call for: an upstream error is a rejected key, an HTTP error or no answer. */
function templateKey(code, details) {
  if (code !== 'UPSTREAM_ERROR') return code;
  if (details.status === 401 || details.status === 403) return 'UPSTREAM_ERROR/rejected';
  if (typeof details.status === 'number') return 'UPSTREAM_ERROR/status';
  return details.host ? 'UPSTREAM_ERROR/unreachable' : code;
}

// class-validator's rules in Chinese, by rule name, for its own wording of a field's message ("<field> must …"); `{n}`
// and `{m}` are read from it. A rule not here, or a message worded otherwise ("each value in …", our own validators'),
// is said as "字段…的值无效" with the server's English text.
const zhRules = {
  isInt: { text: '字段“{field}”必须是整数' },
  isNumber: { text: '字段“{field}”必须是数字' },
  isString: { text: '字段“{field}”必须是文本' },
  isBoolean: { text: '字段“{field}”必须是 true 或 false' },
  isArray: { text: '字段“{field}”必须是数组' },
  isObject: { text: '字段“{field}”必须是对象' },
  isNotEmpty: { text: '字段“{field}”不能为空' },
  min: { text: '字段“{field}”不能小于 {n}', read: / must not be less than (-?[\d.]+)$/ },
  max: { text: '字段“{field}”不能大于 {n}', read: / must not be greater than (-?[\d.]+)$/ },
  minLength: { text: '字段“{field}”至少 {n} 个字符', read: / must be longer than or equal to (\d+) characters$/ },
  maxLength: { text: '字段“{field}”最多 {n} 个字符', read: / must be shorter than or equal to (\d+) characters$/ },
  between: {
    text: '字段“{field}”须为 {n} 到 {m} 个字符',
    read: / must be longer than or equal to (\d+) and shorter than or equal to (\d+) characters$/,
  },
  arrayMaxSize: { text: '字段“{field}”最多 {n} 项', read: / must contain no more than (\d+) elements$/ },
  isIn: { text: '字段“{field}”必须是以下值之一：{n}', read: / must be one of the following values: (.*)$/ },
};

/** The Chinese for one rule's message about `field`, or null when it is not worded as class-validator words it. */
function zhRuleText(field, rule, message) {
  // Length's rule is `isLength`; its messages are minLength's, maxLength's, or both at once.
  const names = rule === 'isLength' ? ['between', 'minLength', 'maxLength'] : [rule];
  for (const name of names) {
    if (!Object.hasOwn(zhRules, name) || !message.startsWith(`${field} must `)) continue;
    const { text, read } = zhRules[name];
    const values = read ? read.exec(message) : [];
    if (!values) continue;
    const fill = { field, n: values[1], m: values[2] };
    return text.replace(/\{(\w+)\}/g, (whole, key) => fill[key]);
  }
  return null;
}

/** One refused field (`details.fields` of VALIDATION_FAILED) in Chinese. */
function zhFieldRefusal({ field, rule, message }) {
  const text = String(message);
  if (rule === 'whitelistValidation' && text.endsWith(' should not exist')) return `不允许字段“${field}”`;
  return zhRuleText(String(field), String(rule), text) ?? `字段“${field}”的值无效：${text}`;
}

/** The text to show for an error of the API (or any Error): translated by code and details, else its own message. */
export function errorText(error) {
  const fallback = error && error.message ? error.message : String(error);
  if (currentLang() !== 'zh' || !error || typeof error.code !== 'string') return fallback;
  const details = error.details && typeof error.details === 'object' ? error.details : {};
  if (error.code === 'VALIDATION_FAILED' && Array.isArray(details.fields) && details.fields.length > 0) {
    return `${details.fields.map(zhFieldRefusal).join('；')}。`;
  }
  const template = zh[templateKey(error.code, details)];
  if (!template) return fallback;
  let complete = true;
  const text = template.replace(/\{(\w+)\}/g, (whole, name) => {
    const value = details[name];
    if (value === undefined || value === null || value === '') complete = false;
    return String(value);
  });
  return complete ? text : fallback;
}
