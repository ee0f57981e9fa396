import { readFileSync } from 'node:fs';

/** Reads `fixtures/recipes/<name>.json` (made by scripts/fixtures/make_recipe_fixtures.py). */
export function recipeFixture<T>(name: string): T {
  const url = new URL(`../../fixtures/recipes/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as T;
}
