/** Reads a sweep file: YAML (.yaml/.yml) or JSON; errors name the file and line. */
import { readFile } from 'node:fs/promises';
import { parse, YAMLParseError } from 'yaml';

export async function readSpecFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new Error(
      `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parse(text);
  } catch (err) {
    const where =
      err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new Error(
      `${file} is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}${where}: ${(err as Error).message.split('\n')[0]}`,
    );
  }
}
