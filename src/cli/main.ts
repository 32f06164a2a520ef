import { CliError, UsageError } from './errors';

interface CommandInfo {
  summary: string;
  usage: string;
}

/** Every command, with the usage line shown by --help. Modules load lazily (tfjs is heavy). */
export const COMMANDS: Record<string, CommandInfo> = {
  'eval-seg': {
    summary: 'segment images and score them against nucleus masks',
    usage:
      'paplens eval-seg --images DIR --masks DIR [--split herlev-sd|isbi2014[:PART]] [--mode auto|cell|field] [--json FILE]  |  eval-seg --points CSV --fields DIR [--split cric[:PART]] [--json FILE]',
  },
  'eval-cls': {
    summary: 'classify labelled cells of CRIC-format fields and report metrics',
    usage:
      'paplens eval-cls --cells CSV --fields DIR [--split PART] [--json FILE] [--predictions OUT.csv]',
  },
  'eval-fields': {
    summary:
      'analyse whole CRIC fields as the app does and score the screening calls on every outlined object',
    usage:
      'paplens eval-fields --cells CSV --fields DIR [--split PART] [--json FILE] [--limit N] [--field-min-calls N] [--results DIR]',
  },
  'eval-cells': {
    summary:
      'analyse single-cell images (cell mode, or --mode auto as with no option) of a Herlev-format manifest and report 7-class and normal/abnormal metrics',
    usage:
      'paplens eval-cells --images DIR --manifest CSV [--split herlev:PART] [--mode cell|auto] [--json FILE] [--predictions OUT.csv]',
  },
  analyze: {
    summary:
      'full analysis of images (single cell or field): nuclei, measurements, class probabilities',
    usage:
      'paplens analyze FILE... [--mode auto|cell|field] [--scale X | --pixel-size UM] [--classify-set-aside] [--json FILE] [--geojson FILE] [--jobs N] [--slide]',
  },
  bench: {
    summary: 'per-stage timings of the shipped pipeline on this machine',
    usage:
      'paplens bench [--runs N] [--stages a,b] [--json FILE]  |  bench --fields DIR|default [--split cric:PART] [--limit N] [--mode field|auto] [--json FILE]',
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'PapLens — nucleus segmentation and Bethesda-class probabilities for Pap-smear images (research decision support, not a diagnosis).',
    '',
    'Usage: paplens <command> [options]   (add --debug for stack traces)',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'Usage lines:',
    ...Object.values(COMMANDS).map((c) => `  ${c.usage}`),
    '',
    'Exit codes: 0 ok, 1 failure (one-line message), 2 usage error.',
  ].join('\n');
}

type CommandModule = { run(argv: string[]): Promise<void> };

async function loadCommand(name: string): Promise<CommandModule> {
  switch (name) {
    case 'eval-seg':
      return import('./commands/eval-seg');
    case 'eval-cls':
      return import('./commands/eval-cls');
    case 'eval-fields':
      return import('./commands/eval-fields');
    case 'eval-cells':
      return import('./commands/eval-cells');
    case 'analyze':
      return import('./commands/analyze');
    case 'bench':
      return import('./commands/bench');
    default:
      throw new UsageError(`unknown command "${name}"`);
  }
}

/** Run the CLI; returns the exit code instead of exiting so it is testable in-process. */
export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const args = argv.filter((a) => a !== '--debug');
  const [name, ...rest] = args;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    console.log('paplens 0.1.0');
    return 0;
  }
  try {
    if (!(name in COMMANDS)) throw new UsageError(`unknown command "${name}"`);
    if (rest.includes('--help') || rest.includes('-h')) {
      console.log(`${COMMANDS[name].usage}\n\n${COMMANDS[name].summary}`);
      return 0;
    }
    const cmd = await loadCommand(name);
    await cmd.run(rest);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`paplens: ${e.message}`);
      console.error(`usage: ${COMMANDS[name]?.usage ?? 'paplens --help'}`);
      return 2;
    }
    const msg = e instanceof Error ? e.message : String(e);
    console.error(
      `paplens ${name}: ${e instanceof CliError ? msg : `error: ${msg.split('\n')[0]}`}`,
    );
    if (debug && e instanceof Error) console.error(e.stack);
    return 1;
  }
}
