/** Why a checkpoint could not be used. */
export type CheckpointErrorCode =
  /** Not a readable safetensors / torch.save zip file, or a corrupt one. */
  | 'CHECKPOINT_FORMAT'
  /** The pickle asks for something this reader will not do (an unknown callable or opcode). */
  | 'CHECKPOINT_UNSAFE'
  /** No state dict where one was expected, or the key prefix matches nothing. */
  | 'CHECKPOINT_KEYS'
  /** A tensor's shape differs from the model's. */
  | 'CHECKPOINT_SHAPE_MISMATCH';

/** The error every checkpoint reader and loader throws; a trial that gets it will fail the same way again. */
export class CheckpointError extends Error {
  constructor(
    readonly code: CheckpointErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
}
