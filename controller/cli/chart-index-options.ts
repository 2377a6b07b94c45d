import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseDuration } from '../runtime/duration.js';
import { DEFAULT_CHART_INDEX_LIMITS, type ChartIndexLimits } from '../source/chart-index.js';

/** The parsed values of the flags addChartIndexOptions adds. */
export interface ChartIndexOptionValues {
  chartIndexMaxBytes: number;
  chartIndexHeaderTimeout: string;
  chartIndexTimeout: string;
}

/** The bounds of reading chart indexes as flags, shared by `plan` and `controller`. */
export function addChartIndexOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--chart-index-max-bytes <size>', 'the largest chart repository index.yaml read, in bytes or with Ki/Mi/Gi; a larger one is abandoned as unavailable')
        .default(DEFAULT_CHART_INDEX_LIMITS.maxBytes, '16Mi')
        .argParser(parseSize),
    )
    .option('--chart-index-header-timeout <duration>', 'how long a chart repository may take to start answering (time to first byte)', '15s')
    .option('--chart-index-timeout <duration>', 'how long reading one chart repository index may take in all, however slowly it arrives', '60s');
}

/** The limits from the parsed options of a command that called addChartIndexOptions. */
export function chartIndexLimitsFrom(options: ChartIndexOptionValues): ChartIndexLimits {
  return {
    maxBytes: options.chartIndexMaxBytes,
    headersTimeoutMs: parseDuration(options.chartIndexHeaderTimeout, '--chart-index-header-timeout'),
    timeoutMs: parseDuration(options.chartIndexTimeout, '--chart-index-timeout'),
  };
}

const SIZE_UNITS: Record<string, number> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };

function parseSize(value: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(value.trim());
  const n = match ? Number(match[1]) * SIZE_UNITS[match[2] ?? '']! : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('give a size in bytes, or with Ki, Mi or Gi, e.g. 16Mi.');
  return n;
}
