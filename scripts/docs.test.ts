/**
 * The docs stay honest: every relative link of every Markdown file of the repository names a file that exists (and
 * a `#anchor`, a heading of it), every setting the API and the worker read is in docs/operations.md, every
 * dependency is in docs/dependencies.md, docs/development.md's table of test projects is vitest.config.ts's, every
 * package and app README links the glossary, and README.md and BENCHMARKS.md stay within their sizes.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ApiEnvSchema } from '../apps/api/src/env.ts';
import { WorkerEnvSchema } from '../apps/worker/src/env.ts';
import vitestConfig from '../vitest.config.ts';

const REPO_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** Folders that hold no docs of ours: installed, built, generated or ignored. */
const SKIPPED = new Set(['node_modules', 'dist', 'test-artifacts', 'fixtures']);

function markdownFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name.startsWith('.') || SKIPPED.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...markdownFiles(path));
    else if (name.endsWith('.md')) out.push(path);
  }
  return out;
}

/** The text outside fenced code blocks and inline code, where a link is a link. */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of text.replace(/^```[\s\S]*?^```/gm, '').matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

const files = markdownFiles(REPO_ROOT);
const read = (path: string) => readFileSync(join(REPO_ROOT, path), 'utf8');

describe('the docs', () => {
  it('link only to files that exist, and to headings those files have', () => {
    expect(files.length).toBeGreaterThan(20);
    const broken: string[] = [];
    let links = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of prose(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = m[1]!;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:
        links++;
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const resolved = path ? join(dirname(file), decodeURIComponent(path)) : file;
        const where = `${relative(REPO_ROOT, file)}: ${target}`;
        if (!existsSync(resolved)) broken.push(`${where} (no such file)`);
        else if (anchor && !anchorsOf(readFileSync(resolved, 'utf8')).has(anchor))
          broken.push(`${where} (no such heading)`);
      }
    }
    expect(links).toBeGreaterThan(100);
    expect(broken).toEqual([]);
  });

  it('name every setting the API and the worker read in docs/operations.md', () => {
    const doc = read('docs/operations.md');
    const settings = [
      ...Object.keys(ApiEnvSchema.shape),
      ...Object.keys(WorkerEnvSchema.shape),
      'DATABASE_URL_FILE',
      'REDIS_URL_FILE',
    ];
    expect(settings).toContain('SWEEPS_READ_INTERVAL_MS');
    expect(settings.filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });

  it('give a reason for every dependency in docs/dependencies.md', () => {
    const doc = read('docs/dependencies.md');
    const manifests = ['package.json', 'packages', 'apps'].flatMap((top) =>
      top === 'package.json'
        ? [top]
        : readdirSync(join(REPO_ROOT, top))
            .map((name) => `${top}/${name}/package.json`)
            .filter((p) => existsSync(join(REPO_ROOT, p))),
    );
    const names = new Set<string>();
    for (const manifest of manifests) {
      const pkg = JSON.parse(read(manifest));
      for (const field of [
        'dependencies',
        'devDependencies',
        'optionalDependencies',
        'peerDependencies',
      ])
        for (const name of Object.keys(pkg[field] ?? {}))
          if (!name.startsWith('@types/') && !name.startsWith('@sweeps/')) names.add(name);
    }
    expect(names.size).toBeGreaterThan(20);
    expect([...names].filter((name) => !doc.includes(`\`${name}\``))).toEqual([]);
  });

  it("list vitest.config.ts's projects, with their files, in docs/development.md", () => {
    const block = /<!-- test-projects -->\n([\s\S]*?)<!-- \/test-projects -->/.exec(
      read('docs/development.md'),
    );
    if (!block) throw new Error('docs/development.md: the table of test projects is gone');
    const documented = block[1]!
      .trim()
      .split('\n')
      .slice(2)
      .map((row) => {
        const [name, files] = row.split('|').slice(1, 3) as [string, string];
        return {
          name: name.trim().replace(/`/g, ''),
          include: [...files.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
        };
      });
    const projects = (vitestConfig.test?.projects ?? []) as Array<{
      test: { name: string; include: string[] };
    }>;
    expect(projects.length).toBeGreaterThan(2);
    expect(documented).toEqual(
      projects.map((p) => ({ name: p.test.name, include: p.test.include })),
    );
  });

  it('link the glossary from every package and app README', () => {
    const readmes = ['packages', 'apps'].flatMap((top) =>
      readdirSync(join(REPO_ROOT, top)).map((name) => `${top}/${name}/README.md`),
    );
    const missing = readmes.filter(
      (p) => !existsSync(join(REPO_ROOT, p)) || !read(p).includes('](../../docs/glossary.md)'),
    );
    expect(missing).toEqual([]);
  });

  it('keep README.md within 15 KB and BENCHMARKS.md within 30 KB', () => {
    expect(Buffer.byteLength(read('README.md'))).toBeLessThanOrEqual(15 * 1024);
    expect(Buffer.byteLength(read('BENCHMARKS.md'))).toBeLessThanOrEqual(30 * 1024);
  });
});
