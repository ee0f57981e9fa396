/** The test code of the repository, as the guards in this folder read it. */
import { readdirSync } from 'node:fs';
import path from 'node:path';

const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'build', 'coverage', '.git', '.data']);

/** Test code under `root`: test files, and TypeScript under test/ and testing/ folders (support, helpers). */
export function testCodeFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string, inTestDir: boolean) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name))
          walk(full, inTestDir || entry.name === 'test' || entry.name === 'testing');
      } else if (/\.test\.tsx?$/.test(entry.name) || (inTestDir && /\.tsx?$/.test(entry.name)))
        files.push(path.relative(root, full));
    }
  };
  for (const top of ['apps', 'bench', 'deploy', 'examples', 'packages', 'scripts', 'test'])
    walk(path.join(root, top), top === 'test');
  return files.sort();
}
