export { CheckpointError, type CheckpointErrorCode } from './errors.ts';
export {
  loadBackboneWeights,
  loadStateDict,
  mismatchReport,
  type LoadOptions,
  type LoadResult,
} from './load.ts';
export { PyGlobal, PyOpaque, unpickle, type UnpickleHooks } from './pickle.ts';
export {
  encodeSafetensors,
  parseSafetensors,
  readSafetensors,
  saveSafetensors,
  type SafetensorsFile,
} from './safetensors.ts';
export { saveModelSafetensors, storeToTensorsAsync } from './save.ts';
export { decodeStateDict, readStateDict, selectKeys, type StateDict } from './state-dict.ts';
export {
  DTYPE_SIZE,
  fromFloat32,
  halfToFloat,
  isCheckpointTensor,
  numel,
  toFloat32,
  type CheckpointTensor,
  type DType,
} from './tensor.ts';
export { isLegacyTorch, isZip, parseTorchZip } from './torch-zip.ts';
