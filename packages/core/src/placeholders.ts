/**
 * `{placeholder}` substitution for command templates. Each template entry becomes exactly one argv entry:
 * nothing is ever passed through a shell. `{{` and `}}` write literal braces.
 */
import type { ParamValue } from './grid.ts';

/**
 * `{checkpoint_dir}` is the old name of `{snapshot_dir}` (the trial's own resume files: "checkpoint" means the
 * backbone weights a trial starts from). Deprecated: it still works and gives the same directory.
 */
export const DEPRECATED_SNAPSHOT_PLACEHOLDER = 'checkpoint_dir';

const PLACEHOLDER = /\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;

/** The names used in a template, in order of first appearance. */
export function placeholdersIn(template: string): string[] {
  const names: string[] = [];
  for (const m of template.matchAll(PLACEHOLDER)) {
    if (m[1] && !names.includes(m[1])) names.push(m[1]);
  }
  return names;
}

/** Formats a value for a command line: numbers as JavaScript prints them (0.0001, 1e-7), booleans as true/false. */
export function formatValue(value: ParamValue | string): string {
  return String(value);
}

/** Substitutes every placeholder; throws naming the first one without a value. */
export function substitute(template: string, values: Record<string, ParamValue | string>): string {
  return template.replace(PLACEHOLDER, (whole, name: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    const v = values[name!];
    if (v === undefined) throw new Error(`placeholder {${name}} has no value`);
    return formatValue(v);
  });
}
