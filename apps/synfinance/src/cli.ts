// SynFinance command line: `npm run synfinance -- generate|profile ...`. The environment is read once,
// here, and passed to the commands that use it. Exit codes: 2 usage error, 1 configuration error or
// failure.
import { helpText, usageLine } from './cli/args.ts';
import { UsageError } from './cli/config.ts';
import { EDGES, runEdges } from './cli/edges.ts';
import { EVALUATE, runEvaluate } from './cli/evaluate.ts';
import { FEATURES, runFeatures } from './cli/features.ts';
import { GENERATE_USAGE, runGenerate } from './cli/generate.ts';
import { IMPORT_MODEL, runImportModel } from './cli/import-model.ts';
import { PROFILE_USAGE, runProfile } from './cli/profile.ts';
import { QUALITY_USAGE, runQuality } from './cli/quality.ts';
import { runServe, SERVE_USAGE } from './cli/serve.ts';
import { runTrain, TRAIN } from './cli/train.ts';
import { runVerify, VERIFY_USAGE } from './cli/verify.ts';
import { ConfigError, type Env, processEnvironment } from './config.ts';

const USAGE = `SynFinance: synthetic Indian transactions with labelled fraud

${GENERATE_USAGE}
${PROFILE_USAGE}
${SERVE_USAGE}
${QUALITY_USAGE}
${usageLine(TRAIN)}
${usageLine(EVALUATE)}
${usageLine(FEATURES)}
${usageLine(IMPORT_MODEL)}
${VERIFY_USAGE}
${usageLine(EDGES)}

synfinance COMMAND --help prints a command's full usage.
`;

/** Full usage of each command, printed by `synfinance COMMAND --help` (exit 0). */
const HELP: Record<string, string> = {
  generate: `${GENERATE_USAGE}
`,
  profile: `${PROFILE_USAGE}
`,
  serve: `${SERVE_USAGE}
`,
  quality: `usage: synfinance ${QUALITY_USAGE}
`,
  train: helpText(TRAIN),
  evaluate: helpText(EVALUATE),
  features: helpText(FEATURES),
  'import-model': helpText(IMPORT_MODEL),
  verify: `${VERIFY_USAGE}
`,
  edges: helpText(EDGES),
};

async function main(argv: string[], env: Env): Promise<number> {
  const [cmd, ...rest] = argv;
  const help = cmd === 'help' ? rest[0] : rest.includes('--help') || rest.includes('-h') ? cmd : undefined;
  if (help !== undefined && HELP[help] !== undefined) {
    process.stdout.write(HELP[help]!);
    return 0;
  }
  if (cmd === 'generate') return runGenerate(rest, env);
  if (cmd === 'profile') return runProfile(rest, env);
  if (cmd === 'serve') return runServe(rest, env);
  if (cmd === 'quality') return runQuality(rest);
  if (cmd === 'train') return runTrain(rest);
  if (cmd === 'evaluate') return runEvaluate(rest);
  if (cmd === 'features') return runFeatures(rest);
  if (cmd === 'import-model') return runImportModel(rest);
  if (cmd === 'verify') return runVerify(rest);
  if (cmd === 'edges') return runEdges(rest);
  if (cmd === undefined || cmd === 'help' || cmd === '--help' || cmd === '-h') {
    process.stdout.write(USAGE);
    return cmd === undefined ? 2 : 0;
  }
  throw new UsageError(
    `unknown command "${cmd}" (expected ${Object.keys(HELP).join(', ')}; synfinance --help lists them)`,
  );
}

main(process.argv.slice(2), processEnvironment()).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`synfinance: error: ${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof ConfigError) {
      process.stderr.write(`synfinance: configuration error: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(
        `synfinance: failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exitCode = 1;
    }
  },
);
