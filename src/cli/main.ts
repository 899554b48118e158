#!/usr/bin/env node
/**
 * The dsim command line. The only place that touches files, stdout, the process and wall-clock
 * time. Every command exits 0 (all held), 1 (a property was violated), 2 (inconclusive) or
 * 3 (bad input or usage); bad input is one clear message, never a stack trace.
 */
import { Command, CommanderError, Option } from 'commander';
import chalk from 'chalk';
import { ScenarioError } from '../scenario/resolve.js';
import { scenarioJsonSchema } from '../scenario/json-schema.js';
import { HistoryError } from '../core/history.js';
import { EXIT, UsageError, type ExitCode } from './errors.js';
import { runCommand, type Io } from './run.js';
import { protocolsFor } from './load.js';
import { registerFuzzCommands } from './fuzz.js';
import { dsimVersion } from './version.js';
import { decideColour } from './colour.js';
import { runCheckCommand } from './check.js';

// `dsim run ... | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/** The process's own terminal. Tests and the docs runner pass their own `Io` to `main`. */
export const processIo: Io = {
  out: (text) => void process.stdout.write(text + '\n'),
  err: (text) => void process.stderr.write(text + '\n'),
};

export function buildProgram(setExit: (code: ExitCode) => void, io: Io = processIo): Command {
  const program = new Command();
  program
    .name('dsim')
    .description('Deterministic distributed-systems simulator: replication protocols under faults, in virtual time, judged by checkers.')
    .version(dsimVersion())
    .option('--no-color', 'plain output without colours (anywhere on the line; NO_COLOR=1 does the same)')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.replace(/\n$/, '')), writeErr: (text) => io.err(text.replace(/\n$/, '')) })
    .showHelpAfterError('(run dsim --help for usage)');

  program
    .command('run')
    .description('run scenario files (or directories of them) and report whether each property held')
    .argument('<paths...>', 'scenario .yaml files or directories')
    .option('--seed <n>', 'override every scenario\'s seed')
    .option('--json', 'print one JSON object per run')
    .option('--trace <file>', 'write every event as JSON lines')
    .option('--check-determinism', 'run twice more and name the first diverging event, if any')
    .option('--module <path>', 'load your own protocol from a .ts or .js module (a scenario may also name it: protocol: ./mine.ts)')
    .addOption(new Option('--protocol <module>', 'the old name of --module').hideHelp())
    .option('--html <file>', 'write a self-contained HTML report: space-time diagram, faults, ops, the violation')
    .option('--timeline', 'print the key events (roles, faults, heals, violations) as a text timeline')
    .option('--history <file>', 'write the client history: Jepsen EDN for .edn, JSON lines otherwise')
    .option('--seeds <range>', 'run each scenario over many seeds (20, or 5..50) and print how many held')
    .option('--hang-timeout <duration>', 'wall time a handler may run without returning before the run is reported as a hang (0: off)', '10s')
    .option('--no-progress', 'no progress line (drawn on a terminal for directories and --seeds)')
    .action(async (paths: string[], opts: { seed?: string; json?: boolean; trace?: string; checkDeterminism?: boolean; module?: string; protocol?: string; html?: string; timeline?: boolean; hangTimeout?: string; history?: string; seeds?: string; progress?: boolean }) => {
      const { protocol, ...rest } = opts;
      const module = moduleOption(opts.module, protocol);
      setExit(await runCommand(paths, { ...rest, ...(module !== undefined ? { module } : {}) }, io));
    });

  program
    .command('check')
    .description('check a history (Jepsen EDN or dsim JSON lines): linearizability against a model, or transactional isolation (list-append, rw-register)')
    .argument('<history>', 'history file (.edn or .jsonl; the format is detected)')
    .requiredOption('--model <name>', 'register, cas-register, kv, counter or set (linearizability); list-append or rw-register (transactions)')
    .option('--consistency <model>', 'transactions: read-uncommitted, read-committed, snapshot-isolation, serializable, strong-session-serializable or strict-serializable (default)')
    .option('--json', 'print one JSON object')
    .option('--timeout <duration>', 'give up (exit 2, unknown) after this much wall time', '60s')
    .option('--html <file>', 'write a self-contained page: a lane per client, ops over time, where linearizability breaks')
    .option('--format <format>', 'edn, jsonl or auto (detected from the first line)', 'auto')
    .action(async (history: string, opts: { model: string; json?: boolean; timeout?: string; html?: string; format: string; consistency?: string }) => {
      if (!['edn', 'jsonl', 'auto'].includes(opts.format)) throw new UsageError(`--format expects edn, jsonl or auto, got ${JSON.stringify(opts.format)}`);
      setExit((await runCheckCommand(history, { ...opts, format: opts.format as 'edn' | 'jsonl' | 'auto' }, io)) as ExitCode);
    });

  program
    .command('schema')
    .description('print the JSON Schema of scenario files, for editors')
    .action(() => {
      io.out(JSON.stringify(scenarioJsonSchema(), null, 2));
      setExit(EXIT.ok);
    });

  program
    .command('protocols')
    .description('list the protocols, the data models they serve and their named flaws')
    .option('--module <path>', 'include your own protocol module')
    .addOption(new Option('--protocol <module>', 'the old name of --module').hideHelp())
    .action(async (opts: { module?: string; protocol?: string }) => {
      const protocols = await protocolsFor(moduleOption(opts.module, opts.protocol));
      for (const p of protocols.values()) {
        io.out(`${chalk.bold(p.name)}  ${p.summary}`);
        io.out(`  models: ${p.models.join(', ')}`);
        // What `dsim fuzz` draws from: each dimension with its values, the default first.
        const dimensions = p.space?.dimensions ?? [];
        if (dimensions.length > 0) io.out(`  configurations: ${dimensions.map((d) => `${d.name} ${d.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join('|')}`).join('; ')}`);
        for (const f of p.flaws ?? []) io.out(`  flaw ${chalk.magenta(f.name)}: ${f.description}${f.needs !== undefined ? ` (needs ${JSON.stringify(f.needs)})` : ''}`);
      }
      setExit(EXIT.ok);
    });

  registerFuzzCommands(program, setExit, io);
  return program;
}

/** `--module`, or its old name `--protocol` on commands that took a module path. */
function moduleOption(module: string | undefined, oldName: string | undefined): string | undefined {
  if (module !== undefined && oldName !== undefined && module !== oldName) throw new UsageError('give the protocol module once, with --module');
  return module ?? oldName;
}

export async function main(argv: readonly string[], io: Io = processIo): Promise<ExitCode> {
  let code: ExitCode = EXIT.ok;
  const program = buildProgram((c) => (code = c), io);
  try {
    await program.parseAsync(decideColour(argv, process.env));
    return code;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: Io): ExitCode {
  if (error instanceof CommanderError) {
    // Help and version are not errors; commander already printed what it had to.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok;
    return EXIT.badInput;
  }
  if (error instanceof ScenarioError) {
    io.err(chalk.red('error: invalid scenario'));
    for (const line of error.message.split('\n')) io.err(`  ${line}`);
    return EXIT.badInput;
  }
  if (error instanceof UsageError) {
    io.err(`${chalk.red('error:')} ${error.format()}`);
    return EXIT.badInput;
  }
  if (error instanceof HistoryError) {
    io.err(`${chalk.red('error:')} ${error.message}`);
    return EXIT.badInput;
  }
  // A dsim bug: say so, with the stack, and call the run inconclusive rather than judged.
  io.err(chalk.red('internal error (a dsim bug, please report it with the command line):'));
  io.err(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return EXIT.unknown;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
const invokedAsBin = process.argv[1] !== undefined && /[\\/]dsim$/.test(process.argv[1]);
if (invokedDirectly || invokedAsBin) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(String(error) + '\n');
      process.exitCode = EXIT.unknown;
    },
  );
}
