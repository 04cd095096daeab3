/**
 * Loads .ts files as `node dist/…` would run them, for P6's forked servers: each file transpiled alone with the
 * project's compiler options (no type check). Not ts-node: its register hook loads `repl`, which loads `domain`, and
 * with `domain` loaded every EventEmitter.emit in the process takes a slower path (seen in P6's CPU profile); a
 * server built with `npm run build` never pays that.
 */
'use strict';
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const ts = require('typescript');

const { config } = ts.readConfigFile(join(__dirname, '..', 'tsconfig.json'), ts.sys.readFile);
const { options } = ts.convertCompilerOptionsFromJson(config.compilerOptions, join(__dirname, '..'));
const compilerOptions = { ...options, sourceMap: false, inlineSourceMap: false, declaration: false };

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename });
  module._compile(outputText, filename);
};
