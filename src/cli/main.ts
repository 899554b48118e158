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
import { exploreCommand, type ExploreCommandOptions } from './explore.js';
import { dsimVersion } from './version.js';
import { decideColour } from './colour.js';
import { terminalSafe } from './terminal.js';
import { runCheckCommand } from './check.js';
import type { CheckCommandOptions } from './check.js';
import { modelNames } from '../checkers/linearizability/index.js';
import { HISTORY_FORMATS } from '../history/index.js';
import { TXN_MODELS } from '../checkers/isolation/index.js';
import { DEFAULT_HANG_TIMEOUT_MS, DEFAULT_MEMORY_LIMIT_MB } from './watchdog.js';
import { probeLoad } from './probe.js';

// `dsim run ... | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/** The process's own terminal. Tests and the docs runner pass their own `Io` to `main`. */
export const processIo: Io = {
  // Names, messages and details come from files and code dsim does not control: none may steer
  // the terminal (see terminal.ts). Colour is decided before anything is printed.
  out: (text) => void process.stdout.write(terminalSafe(text, chalk.level > 0) + '\n'),
  err: (text) => void process.stderr.write(terminalSafe(text, chalk.level > 0) + '\n'),
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
    .option('--check-determinism', 'run again in a fresh worker and name the first event where it parts from the reported run')
    .option('--module <path>', 'load your own protocol from a .ts or .js module (a scenario may also name it: protocol: ./mine.ts)')
    .addOption(new Option('--protocol <module>', 'the old name of --module').hideHelp())
    .option('--html <file>', 'write a self-contained HTML report: space-time diagram, faults, ops, the violation')
    .option('--timeline', 'print the key events (roles, faults, heals, violations) as a text timeline')
    .option('--history <file>', 'write the client history: Jepsen EDN for .edn, JSON lines otherwise')
    .option('--seeds <range>', 'run each scenario over many seeds (20, or 5..50) and print how many held')
    .option('--hang-timeout <duration>', 'CPU time one protocol call may take without returning before the run is a hang (0: off)', `${DEFAULT_HANG_TIMEOUT_MS / 1000}s`)
    .option('--memory-limit <size>', 'heap each run may use before it is an out-of-memory finding (0: none)', `${DEFAULT_MEMORY_LIMIT_MB}MB`)
    .option('--wall-limit <duration>', 'wall-clock time each run may take before it is stopped as inconclusive (a wall-limit finding; default: none)')
    .option('--no-progress', 'no progress line (drawn on a terminal for directories and --seeds)')
    .option('--soak', 'a long run in bounded memory: the history is checked as it comes and streamed to --history, not kept; progress on stderr')
    .action(async (paths: string[], opts: { soak?: boolean; seed?: string; json?: boolean; trace?: string; checkDeterminism?: boolean; module?: string; protocol?: string; html?: string; timeline?: boolean; hangTimeout?: string; memoryLimit?: string; wallLimit?: string; history?: string; seeds?: string; progress?: boolean }) => {
      const { protocol, ...rest } = opts;
      const module = moduleOption(opts.module, protocol);
      setExit(await runCommand(paths, { ...rest, ...(module !== undefined ? { module } : {}) }, io));
    });

  program
    .command('check')
    .description('check a history: linearizability against a model, or transactional isolation (list-append, rw-register); Jepsen EDN (any layout, Knossos tuples, jepsen.independent), Jepsen text op lines, or dsim JSON lines')
    .argument('<history>', 'history file (the format is detected: .edn, history.txt, jepsen.log, .jsonl)')
    .requiredOption('--model <name>', `linearizability: ${modelNames().join(', ')}; transactions: ${TXN_MODELS.join(', ')}`)
    .option('--initial <value>', "the model's initial value, EDN or JSON: 0, nil, {:x 0 :y 0} (register, cas-register, kv, counter, multi-register)")
    .option('--nil-reads-unknown', 'a read that returned nil constrains nothing, as in Knossos (register, cas-register, kv)')
    .option('--independent', 'the values are jepsen.independent [k v] pairs: check each key alone (detected by default)')
    .option('--no-independent', 'read [k v] values as plain values')
    .option('--consistency <model>', 'transactions: read-uncommitted, read-committed, snapshot-isolation, serializable, strong-session-serializable or strict-serializable (default)')
    .option('--format <format>', 'print the result as text, json or edn (a Jepsen-style result map)', 'text')
    .option('--json', 'the same as --format json')
    .option('--input-format <format>', `the history's format: ${HISTORY_FORMATS.join(', ')} or auto`, 'auto')
    .option('--timeout <duration>', 'give up (exit 2, unknown) after this much wall time, reading included', '60s')
    .option('--max-memory <size>', "the search's memory budget (exit 2, unknown, when it runs out); default 1GiB, or a quarter of Node's heap if less")
    .option('--max-states <n>', 'the number of configurations the search may remember')
    .option('--max-input <size>', "refuse larger history files; default a twelfth of Node's heap")
    .option('--html <file>', 'write a self-contained page: a lane per client, ops over time, where linearizability breaks')
    .action(async (history: string, opts: CheckCommandOptions) => {
      setExit((await runCheckCommand(history, opts, io)) as ExitCode);
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
      const module = moduleOption(opts.module, opts.protocol);
      await probeLoad(module, [], { hangTimeoutMs: DEFAULT_HANG_TIMEOUT_MS, memoryLimitMb: DEFAULT_MEMORY_LIMIT_MB });
      const protocols = await protocolsFor(module);
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

  program
    .command('explore')
    .description('explore every schedule of a small configuration up to a depth (message order, timers, crashes, drops, duplicates): the shortest counterexample, as a replayable choice log')
    .argument('<scenario>', 'a scenario file with an explore: section')
    .option('--depth <n>', 'choices on a path at most (default: the scenario\'s explore.depth)')
    .option('--max-states <n>', 'distinct states at most before stopping, inconclusive (default: explore.maxStates)')
    .option('--strategy <name>', 'bfs (shortest counterexample), dfs, random-walk, pct (random priorities with change points: a probabilistic guarantee per run), partitions (breadth first over timers, ops, crashes and partition changes, each step delivering what it can) or partitions-dfs (default: explore.strategy)')
    .option('--liveness <steps>', 'bounded liveness: from every state, once faults stop, the canonical fair continuation must answer every invoked op within this many steps (default: explore.liveness.within; unchecked without either)')
    .option('--pct-depth <d>', 'pct: the bug depth aimed at, d-1 priority change points per run (default: explore.pctDepth, 3)')
    .option('--symmetry', 'treat node ids as interchangeable (default: explore.symmetry)')
    .option('--no-symmetry', 'no symmetry reduction')
    .option('--no-sleep-sets', 'no sleep sets (bfs over single choices skips, by default, a choice that commutes with one already explored from an earlier sibling)')
    .option('--out <dir>', 'where the counterexample file goes', 'failures')
    .option('--max-memory <mb>', 'heap budget: stop, inconclusive, beyond it', '2048')
    .option('--json', 'print one JSON object')
    .option('--module <path>', 'load your own protocol from a .ts or .js module')
    .option('--no-progress', 'no progress line (drawn on stderr, on a terminal only)')
    .action(async (file: string, opts: ExploreCommandOptions) => {
      setExit(await exploreCommand(file, opts, io));
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

/** How the CLI reports an error that ended a command, and the exit code it gets: 3 for bad input, 2 (with "internal error") for a dsim bug. */
export function reportError(error: unknown, io: Io): ExitCode {
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
