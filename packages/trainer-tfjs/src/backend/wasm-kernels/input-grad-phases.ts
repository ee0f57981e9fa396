import type { TensorInfo } from '@tensorflow/tfjs-core';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { flippedSwappedTaps } from './filter-util.ts';
import {
  cropToFit,
  disposeInfos,
  explicitPad,
  fitPadding,
  runWasm,
  type AxisFit,
  type ConvGeometry,
} from './kernel-util.ts';

/** The rows (or columns) of dx with one residue modulo the stride, and the filter taps that reach them. */
interface Phase {
  /** Filter taps r, r+s, ... that land on this residue. */
  taps: number[];
  /** First dy index q (dx index q*s + r - pad) and how many dx rows the phase has. */
  qMin: number;
  count: number;
  /** Crop/padding of dy for the stride-1 correlation that gives those rows. */
  fit: AxisFit;
}

/**
 * Phase r along one axis: dx[q*s + r - pad] = sum_j dy[q - j] * w[r + j*s], a stride-1 correlation of dy
 * with the reversed taps. Null when no tap or no dx row has that residue.
 */
function phaseOf(
  r: number,
  stride: number,
  kernel: number,
  pad: number,
  inLength: number,
  outLength: number,
): Phase | null {
  const taps: number[] = [];
  for (let k = r; k < kernel; k += stride) taps.push(k);
  const qMin = Math.ceil((pad - r) / stride);
  const qMax = Math.floor((inLength - 1 + pad - r) / stride);
  const count = qMax - qMin + 1;
  if (taps.length === 0 || count <= 0) return null;
  return {
    taps,
    qMin,
    count,
    fit: fitPadding(outLength, count, taps.length - 1 - qMin, taps.length),
  };
}

/** Writes part [n, rows, cols, c] into dx at rows (qMin+t)*s + r - pad, likewise columns. */
function scatterPhase(
  backend: BackendWasm,
  part: TensorInfo,
  dx: TensorInfo,
  g: ConvGeometry,
  rows: { phase: Phase; r: number },
  cols: { phase: Phase; r: number },
): void {
  const src = backend.typedArrayFromHeap(part) as Float32Array;
  const dst = backend.typedArrayFromHeap(dx) as Float32Array;
  const c = g.inChannels;
  const rowStart = rows.phase.qMin * g.strideHeight + rows.r - g.padTop;
  const colStart = cols.phase.qMin * g.strideWidth + cols.r - g.padLeft;
  let from = 0;
  for (let n = 0; n < g.batch; n++) {
    for (let t = 0; t < rows.phase.count; t++) {
      const rowBase = (n * g.inHeight + rowStart + t * g.strideHeight) * g.inWidth;
      for (let u = 0; u < cols.phase.count; u++) {
        const to = (rowBase + colStart + u * g.strideWidth) * c;
        for (let k = 0; k < c; k++) dst[to + k] = src[from + k]!;
        from += c;
      }
    }
  }
}

/**
 * The input gradient of a strided, undilated conv2d as stride^2 small stride-1 convolutions of dy
 * (one per output phase, each with the filter taps that reach it), interleaved into dx. Unlike
 * convolving the zero-spread dy, it does no multiply by the inserted zeros (4x fewer FLOPs at stride 2).
 */
export function inputGradByPhases(
  backend: BackendWasm,
  dy: TensorInfo,
  filter: TensorInfo,
  g: ConvGeometry,
): TensorInfo {
  const dx = backend.makeOutput([g.batch, g.inHeight, g.inWidth, g.inChannels], 'float32');
  backend.typedArrayFromHeap(dx).fill(0); // residues no tap reaches stay zero
  for (let rh = 0; rh < g.strideHeight; rh++) {
    const rowPhase = phaseOf(rh, g.strideHeight, g.filterHeight, g.padTop, g.inHeight, g.outHeight);
    if (rowPhase === null) continue;
    for (let rw = 0; rw < g.strideWidth; rw++) {
      const colPhase = phaseOf(rw, g.strideWidth, g.filterWidth, g.padLeft, g.inWidth, g.outWidth);
      if (colPhase === null) continue;
      const taps = flippedSwappedTaps(backend, filter, rowPhase.taps, colPhase.taps);
      const dyFit = cropToFit(backend, dy, rowPhase.fit, colPhase.fit);
      const part = runWasm(
        backend,
        'Conv2D',
        { x: dyFit, filter: taps },
        {
          strides: [1, 1],
          dilations: [1, 1],
          pad: explicitPad(rowPhase.fit, colPhase.fit),
          dataFormat: 'NHWC',
        },
      );
      scatterPhase(backend, part, dx, g, { phase: rowPhase, r: rh }, { phase: colPhase, r: rw });
      disposeInfos(backend, taps, dyFit, part);
    }
  }
  return dx;
}
