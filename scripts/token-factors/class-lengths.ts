/** The lengths o200k tokens of each class come in, for the fit's bounds and the spec that checks them. */
import { baseTokenDecoder } from '../../src/llm-manager/usage/token-base-encoding';
import { CLASS_COUNT, classifyToken, MAX_COUNTED_LENGTH, TOKEN_CLASSES } from '../../src/llm-manager/usage/token-classes';

/** Per class, the longest counted length any o200k token of that class has (2…MAX_COUNTED_LENGTH). */
export function longestPerClass(): number[] {
  const longest = Array<number>(CLASS_COUNT).fill(2);
  const { size, decodeOne } = baseTokenDecoder();
  for (let id = 0; id < size; id++) {
    const text = decodeOne(id);
    if (text === undefined) continue;
    const c = TOKEN_CLASSES.indexOf(classifyToken(text));
    longest[c] = Math.max(longest[c], Math.min(MAX_COUNTED_LENGTH, text.length));
  }
  return longest;
}
