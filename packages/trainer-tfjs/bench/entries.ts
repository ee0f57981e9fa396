import type { SelectedBackend } from '../src/backend/select-backend.ts';
import { benchDetectorDemo } from './detector-demo.ts';
import { benchRefResNet, type BenchLine, type BenchOptions } from './ref-resnet.ts';

/** What an entry gets: the active backend and the step counts asked for on the command line. */
export interface BenchContext {
  backend: SelectedBackend;
  options: BenchOptions;
}

/** One line of `npm run bench:trainer`: a name and how to measure it on the active backend. */
export interface BenchEntry {
  name: string;
  run(context: BenchContext): Promise<BenchLine> | BenchLine;
}

const backendLabel = (context: BenchContext): string => context.backend.name;

/**
 * The benchmark entries, in output order. Add one here with a `run` that returns a BenchLine;
 * `bench/run.ts` selects the backend, runs them and prints the lines.
 */
export const benchEntries: BenchEntry[] = [
  {
    name: 'ref-resnet-64',
    run: async (context) => ({
      ...(await benchRefResNet(64, backendLabel(context), context.options)),
      device: context.backend.device,
    }),
  },
  {
    name: 'ref-resnet-128',
    run: async (context) => ({
      ...(await benchRefResNet(128, backendLabel(context), context.options)),
      device: context.backend.device,
    }),
  },
  {
    name: 'detector-demo',
    run: async (context) => ({
      ...(await benchDetectorDemo(backendLabel(context), context.options)),
      device: context.backend.device,
    }),
  },
];
