export {
  deterministicInput,
  deterministicTensor,
  deterministicUniform,
  fillDeterministic,
} from './deterministic-weights.ts';
export { createFpn, subsample2, upsampleNearest, type Fpn, type FpnConfig } from './fpn.ts';
export {
  createClassificationHead,
  type ClassificationHead,
  type ClassificationHeadConfig,
} from './head.ts';
export { applyBnUpdates, type BnUpdate } from './layers.ts';
export {
  assignTorchValues,
  disposeStore,
  isBuffer,
  mergeStores,
  paramRoles,
  tfToTorch,
  toTorchLayout,
  torchToTf,
  trainableVariables,
  type ModuleKind,
  type ParamEntry,
  type ParamKind,
  type ParamLayout,
  type ParamStore,
} from './params.ts';
export {
  createResNet,
  scaleChannels,
  type ForwardOptions,
  type ResNet,
  type ResNetConfig,
  type ResNetFeatures,
} from './resnet.ts';
