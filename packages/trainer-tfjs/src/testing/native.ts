/**
 * The native kernels (native/, oneDNN) as the tests see them: checked wherever they are built, and always in CI,
 * where .ci/run builds them and sets SWEEPS_REQUIRE_NATIVE=1, so that a missing build fails their tests instead
 * of skipping them.
 */
import { loadNativeKernels, type NativeLoad } from '../backend/native/load-native.ts';

/** This process's native kernels (loaded once), or why there are none. */
export const native: NativeLoad = loadNativeKernels();

/** Whether the native kernels' tests run here: they are built, or required (and then fail when they are not). */
export const testNative = native.ok || process.env['SWEEPS_REQUIRE_NATIVE'] === '1';

/** Why the native kernels' tests are skipped here, for the name of the skipped test that says so. */
export const nativeSkipReason = native.ok ? '' : native.reason;
