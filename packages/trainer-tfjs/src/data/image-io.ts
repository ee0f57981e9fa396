/**
 * PNG and JPEG reading and PNG writing in pure JavaScript (`pngjs`, `jpeg-js`): no native code, so decoding and the
 * generator's bytes are the same on every machine, and the loader runs where no native image library installs.
 */
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import type { RgbImage } from './raster.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Which format the bytes claim to be, with the PNG header's size (JPEG sizes are known only after decoding). */
export function probeImage(
  bytes: Uint8Array,
): { format: 'png' | 'jpeg'; width?: number; height?: number } | null {
  if (bytes.length >= 24 && PNG_SIGNATURE.equals(bytes.subarray(0, 8))) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { format: 'png', width: view.getUint32(16), height: view.getUint32(20) };
  }
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff)
    return { format: 'jpeg' };
  return null;
}

/** Decodes PNG or JPEG bytes to 8-bit RGB (alpha dropped, grey expanded). Throws on anything else or on damage. */
export function decodeImage(bytes: Uint8Array): RgbImage {
  const kind = probeImage(bytes);
  if (!kind) throw new Error('not a PNG or JPEG file');
  const rgba =
    kind.format === 'png'
      ? pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
      : jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
  const { width, height } = rgba;
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    data[p * 3] = rgba.data[p * 4]!;
    data[p * 3 + 1] = rgba.data[p * 4 + 1]!;
    data[p * 3 + 2] = rgba.data[p * 4 + 2]!;
  }
  return { width, height, data };
}

/** Encodes an RGB image as an 8-bit RGB PNG (deterministic bytes for identical pixels). */
export function encodePng(image: RgbImage): Buffer {
  const png = new pngjs.PNG({
    width: image.width,
    height: image.height,
    colorType: 2,
    inputColorType: 2,
    inputHasAlpha: false,
  });
  png.data = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  return pngjs.PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}
