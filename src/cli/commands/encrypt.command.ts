import { ExitCode } from '../cli-exit';
import { out, readSecret } from '../cli-io';
import { currentCipher } from '../support/master-key-source';
import type { CliCommand } from './command';

/** `llm-mgr encrypt`: an API key from stdin → the `ENC:v1:…` value to paste into the YAML. */
export const encryptCommand: CliCommand = {
  name: 'encrypt',
  summary: 'Encrypt an API key read from stdin into an ENC:v1:… value for llm_mgr_cfg.yaml.',
  usage: 'encrypt < key.txt      (or: printf %s "$KEY" | llm-mgr encrypt)',
  description: [
    'Reads one API key from stdin, never from the command line (arguments end up in shell history and in ps). ' +
      'From a terminal it asks for the key with echo off. Prints only the ENC:v1:… envelope, for api_key in the YAML.',
    'The envelope is encrypted with LLM_KEY (environment or .env): the same key must be in force where the YAML is used.',
  ],
  options: {},
  positionals: [],
  tooManyArgumentsHint:
    "'llm-mgr encrypt' reads the key from stdin, never from the command line: printf %s \"$KEY\" | npx llm-mgr encrypt. " +
    'If you typed a real key, it is now in your shell history: remove it there, or revoke the key.',
  exitCodes: {
    [ExitCode.Usage]: 'a key was passed as an argument, or stdin is empty or holds more than one line',
    [ExitCode.Config]: 'LLM_KEY is missing or too short',
  },
  async run(ctx) {
    const cipher = currentCipher(ctx);
    const apiKey = await readSecret(ctx.io, 'API key to encrypt: ');
    ctx.secrets.push(apiKey);
    out(ctx.io, cipher.encrypt(apiKey));
    return ExitCode.Ok;
  },
};
