/**
 * The subset of the COCO instances format (https://cocodataset.org/#format-data) that detection uses.
 */

/** One image entry; `file_name` is relative to the split's images directory. */
export interface CocoImage {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

/** One box annotation; `bbox` is `[x, y, width, height]` in pixels of the original image. */
export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  /** Box area here (the generated set has no segmentation); COCO's area ranges are judged on it. */
  area: number;
  iscrowd: 0 | 1;
}

/** One category; training labels are category indices in ascending id order. */
export interface CocoCategory {
  id: number;
  name: string;
  supercategory?: string;
}

/** A whole `instances_<split>.json` file. */
export interface CocoFile {
  info?: Record<string, unknown>;
  licenses?: unknown[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}
