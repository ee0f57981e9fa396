import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where scripts/setup-lavapipe.sh unpacks Mesa's lavapipe. */
export const lavapipeDir = fileURLToPath(new URL('../../.cache/lavapipe', import.meta.url));

/** The environment that points Vulkan (and so Dawn) at the unpacked lavapipe, or why it cannot. */
export type LavapipeEnv = { ok: true; env: Record<string, string> } | { ok: false; reason: string };

/**
 * Environment variables for a child process that should see lavapipe as its Vulkan driver: the ICD
 * file, the unpacked libraries first on the library path (Mesa 25's newer libdrm), a shader cache.
 * They must be set when a process starts (the loader reads them once), hence a child process.
 */
export function lavapipeEnv(dir = lavapipeDir): LavapipeEnv {
  const icd = join(dir, 'lvp_icd.json');
  if (!existsSync(icd)) {
    return {
      ok: false,
      reason: `no lavapipe at ${dir}: run packages/trainer-tfjs/scripts/setup-lavapipe.sh (Debian, Mesa >= 23)`,
    };
  }
  const library = /"library_path":\s*"([^"]+)"/.exec(readFileSync(icd, 'utf8'))?.[1];
  if (library === undefined || !existsSync(library)) {
    return {
      ok: false,
      reason: `${icd} names a driver library that is missing: rerun scripts/setup-lavapipe.sh`,
    };
  }
  return {
    ok: true,
    env: {
      VK_ICD_FILENAMES: icd,
      LD_LIBRARY_PATH: dirname(library),
      MESA_SHADER_CACHE_DIR: join(dir, 'shader-cache'),
    },
  };
}
