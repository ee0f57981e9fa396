/**
 * The one error the data layer throws for bad input. The trainer turns it into a permanent trial failure:
 * retrying cannot fix a missing image or an annotation that names an unknown category.
 */

/** What is wrong, for callers that branch on it; the message always names the file and the first bad entry. */
export type DatasetErrorCode =
  | 'ANNOTATIONS_NOT_FOUND'
  | 'ANNOTATIONS_INVALID'
  | 'UNKNOWN_IMAGE'
  | 'UNKNOWN_CATEGORY'
  | 'DUPLICATE_ID'
  | 'EMPTY_SPLIT'
  | 'IMAGE_NOT_FOUND'
  | 'IMAGE_UNDECODABLE'
  | 'IMAGE_SIZE_MISMATCH';

/** A dataset that cannot be used as given. */
export class DatasetError extends Error {
  constructor(
    readonly code: DatasetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}
