#!/usr/bin/env node
/** `cross-encoder` command line: predict, train, evaluate, doctor. Thin wrappers over the library. */
import { parseArgs } from 'node:util';
import { CrossEncoderError } from '../lib/errors.js';
import { doctorCommand } from './commands/doctor.js';
import { evaluateCommand, EVALUATE_HELP } from './commands/evaluate.js';
import { predictCommand, PREDICT_HELP } from './commands/predict.js';
import type { Flags } from './commands/flags.js';
import { TRAIN_HELP, TRAIN_OPTIONS, trainCommand } from './commands/train.js';

const HELP = `usage: cross-encoder <command> [options]

commands:
  ${PREDICT_HELP.split('\n').join('\n  ')}

  ${TRAIN_HELP.split('\n').join('\n  ')}

  ${EVALUATE_HELP.split('\n').join('\n  ')}

  cross-encoder doctor
    Prints the backend in use and why, versions and threads.
`;

const COMMON = {
  model: { type: 'string' },
  input: { type: 'string' },
  'max-length': { type: 'string' },
  'batch-size': { type: 'string' },
  activation: { type: 'string' },
  revision: { type: 'string' },
  data: { type: 'string' },
  limit: { type: 'string' },
  'score-scale': { type: 'string' },
  threads: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP);
    return cmd ? 0 : 2;
  }
  try {
    const options = cmd === 'train' ? { ...TRAIN_OPTIONS, help: COMMON.help } : COMMON;
    const values = parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values as Flags;
    if (values.help) {
      process.stdout.write(HELP);
      return 0;
    }
    switch (cmd) {
      case 'predict':
        await predictCommand(values);
        return 0;
      case 'train':
        await trainCommand(values);
        return 0;
      case 'evaluate':
        await evaluateCommand(values);
        return 0;
      case 'doctor':
        await doctorCommand();
        return 0;
      default:
        process.stderr.write(`unknown command "${cmd}"\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    if (e instanceof CrossEncoderError) {
      process.stderr.write(`error: ${e.message}\n`);
      return e.code === 'USAGE' ? 2 : 1;
    }
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`error: ${e.message}\n\n${HELP}`);
      return 2;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
