/**
 * Bad evaluation input: malformed JSON, a missing or mistyped field, a box of non-positive size, a detection on
 * an unknown image. The message names the first offending entry, e.g.
 * `annotations[17] (id 42): bbox width must be > 0, got 0`.
 */
export class CocoInputError extends Error {
  /** Machine-readable code, in the style of the domain's error codes. */
  readonly code = 'INVALID_COCO_INPUT';

  constructor(
    message: string,
    /** Where the problem is, e.g. `annotations[17].bbox`, or `''` for the whole document. */
    readonly path: string = '',
  ) {
    super(message);
    this.name = 'CocoInputError';
  }
}
