/**
 * The detection data layer: a deterministic COCO-format set generator and a COCO loader with MMDetection's
 * training transforms, as plain typed arrays (no tfjs dependency).
 */
export { generateDetectionSet, type GenerateOptions, type GeneratedSet } from './generate.ts';
export { ALL_CLASSES, DEFAULT_CLASSES, DIGIT_CLASSES, SHAPE_CLASSES } from './classes.ts';
export { loadCocoDataset, readImage, type CocoDataset, type LoadCocoOptions } from './load.ts';
export { iterateBatches, countBatches, type BatchOptions, type DetectionBatch } from './batches.ts';
export { IMAGENET_MEAN, IMAGENET_STD, rescaleSize, padTo } from './transforms.ts';
export { DatasetError, type DatasetErrorCode } from './errors.ts';
export type { CocoAnnotation, CocoCategory, CocoFile, CocoImage } from '@sweeps/coco-eval';
export type { RgbImage } from './raster.ts';
