/** Builds with `npm run build` in `root` unless dist/ holds a build of the current sources; the build's exit code. */
export function ensure(root: string): number;
/** After a full build: the bin's exec bit, and the stamp `ensure` compares with. */
export function finish(root: string): void;
/** True when dist/ holds a full build of the sources as they are now. */
export function isUpToDate(root: string): boolean;
/** Gives `dist/cli/main.js` its exec bit (tsc writes it 0644). */
export function markBinExecutable(root: string): void;
/** The hash of the build's inputs under `root`. */
export function sourceHash(root: string): string;
