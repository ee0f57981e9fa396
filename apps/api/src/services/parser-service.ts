/** `POST /api/v1/parsers/check`: what a parser extracts from a posted sample, and whether the metric is there. */
import { checkLog } from '@sweeps/trainer-mmdet';

export function checkParser(input: { parser: string; sample: string; metric: string }) {
  return checkLog(input.parser, input.sample, input.metric);
}
