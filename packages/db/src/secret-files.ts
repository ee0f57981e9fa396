/**
 * Secrets given as files: `<NAME>_FILE` names a file (a Docker or Kubernetes secret, a file only the job's user
 * may read) whose contents are `<NAME>`, as official database images do. A secret given so never stands in the
 * process's environment, which `/proc/<pid>/environ` shows as it was at start.
 */
import { readFileSync } from 'node:fs';

/** The largest secret file read (a URL or a session secret is far shorter). */
const SECRET_FILE_MAX_BYTES = 64 * 1024;

/** `<NAME>` from `<NAME>_FILE` for each of `names` given as a file: its contents, without the final line break. */
export function readSecretFiles(
  source: NodeJS.ProcessEnv,
  names: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const file = source[`${name}_FILE`];
    if (!file) continue;
    if (source[name]) throw new Error(`set ${name} or ${name}_FILE, not both`);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
    }
    if (text.length > SECRET_FILE_MAX_BYTES)
      throw new Error(`${name}_FILE: ${file} is larger than ${SECRET_FILE_MAX_BYTES} bytes`);
    out[name] = text.replace(/\r?\n$/, '');
  }
  return out;
}
