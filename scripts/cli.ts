#!/usr/bin/env node
/** `cross-encoder` command line: predict, train, evaluate, encode, similarity, mine-hard-negatives, doctor. Thin wrappers over the library. */
// Installs the Node platform (files, environment, Hub cache) before any library call.
import '../lib/platform/node.js';
import { parseArgs } from 'node:util';
import { doctorCommand } from './commands/doctor.js';
import { ENCODE_HELP, encodeCommand, SIMILARITY_HELP, similarityCommand } from './commands/encode.js';
import { evaluateCommand, EVALUATE_HELP } from './commands/evaluate.js';
import type { Flags } from './commands/flags.js';
import { MINE_HELP, MINE_OPTIONS, mineHardNegativesCommand } from './commands/mine-hard-negatives.js';
import { predictCommand, PREDICT_HELP } from './commands/predict.js';
import { EXIT_USAGE, resumeCommand, runCommand } from './commands/process.js';
import { TRAIN_HELP, TRAIN_OPTIONS, trainCommand } from './commands/train.js';

const HELP = `usage: cross-encoder <command> [options]

commands:
  ${PREDICT_HELP.split('\n').join('\n  ')}

  ${TRAIN_HELP.split('\n').join('\n  ')}

  ${EVALUATE_HELP.split('\n').join('\n  ')}

  ${ENCODE_HELP.split('\n').join('\n  ')}

  ${SIMILARITY_HELP.split('\n').join('\n  ')}

  ${MINE_HELP.split('\n').join('\n  ')}

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
  normalize: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const COMMANDS = ['predict', 'train', 'evaluate', 'encode', 'similarity', 'mine-hard-negatives', 'doctor'];

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP);
    return cmd ? 0 : EXIT_USAGE;
  }
  if (!COMMANDS.includes(cmd)) {
    process.stderr.write(`unknown command "${cmd}"\n\n${HELP}`);
    return EXIT_USAGE;
  }
  let output: string | undefined;
  return runCommand(
    async ({ stopSignal }) => {
      const options = cmd === 'train' ? { ...TRAIN_OPTIONS, help: COMMON.help } : cmd === 'mine-hard-negatives' ? MINE_OPTIONS : COMMON;
      const values = parseArgs({ args: rest, options, strict: true, allowPositionals: false }).values as Flags;
      if (values.help) {
        process.stdout.write(cmd === 'train' ? `${TRAIN_HELP}\n` : cmd === 'mine-hard-negatives' ? `${MINE_HELP}\n` : HELP);
        return;
      }
      if (cmd === 'predict') await predictCommand(values);
      else if (cmd === 'train') {
        output = typeof values.output === 'string' ? values.output : undefined;
        await trainCommand(values, stopSignal);
      } else if (cmd === 'evaluate') await evaluateCommand(values);
      else if (cmd === 'encode') await encodeCommand(values);
      else if (cmd === 'similarity') await similarityCommand(values);
      else if (cmd === 'mine-hard-negatives') await mineHardNegativesCommand(values);
      else await doctorCommand();
    },
    { graceful: cmd === 'train', onInterrupted: (e) => (e.checkpoint && output ? `to continue: ${resumeCommand(output)}` : `run the same command with --resume to start again`) },
  );
}

process.exitCode = await main(process.argv.slice(2));
