#!/usr/bin/env python3
"""Write the small hand-built cases to fixtures/hand-*/ (gt.json, dt.json); pycoco_expected.py then adds
pycocotools' numbers. Each case isolates one rule of COCOeval('bbox'); src/hand-cases.test.ts states the rule.

usage: python3 make_hand_cases.py FIXTURES_DIR
"""
import json, os, sys


def box(x, y, w, h):
    return [x, y, w, h]


def gt_doc(images, anns, cats=(1,)):
    return {
        'images': [{'id': i} for i in images],
        'categories': [{'id': c, 'name': f'cat{c}'} for c in cats],
        'annotations': [
            {'id': a[0], 'image_id': a[1], 'category_id': a[2], 'bbox': a[3], 'area': a[4], 'iscrowd': a[5]}
            for a in anns
        ],
    }


def dt(image, cat, b, score):
    return {'image_id': image, 'category_id': cat, 'bbox': b, 'score': score}


CASES = {
    # A detection matched to a crowd region is ignored; IoU with a crowd region divides by the detection's area.
    'hand-crowd': (
        gt_doc([1], [(1, 1, 1, box(10, 10, 50, 50), 2500, 0), (2, 1, 1, box(100, 100, 200, 200), 40000, 1)]),
        [dt(1, 1, box(120, 120, 40, 40), 0.95), dt(1, 1, box(150, 150, 100, 100), 0.93),
         dt(1, 1, box(10, 10, 50, 50), 0.9), dt(1, 1, box(400, 400, 20, 20), 0.5)],
    ),
    # Equal scores: across images, image-id order decides; inside an image, file order decides who matches first.
    'hand-ties': (
        gt_doc([1, 2, 3], [(1, 1, 1, box(0, 0, 40, 40), 1600, 0), (2, 2, 1, box(0, 0, 40, 40), 1600, 0),
                           (3, 3, 1, box(0, 0, 40, 40), 1600, 0)]),
        [dt(2, 1, box(0, 0, 40, 40), 0.8), dt(1, 1, box(100, 100, 40, 40), 0.8),
         dt(3, 1, box(0, 0, 40, 30), 0.7), dt(3, 1, box(0, 0, 40, 39), 0.7)],
    ),
    # Detections of categories absent from the ground truth are skipped, as are gt entries of unknown
    # images/categories.
    'hand-unknown': (
        gt_doc([1, 2], [(1, 1, 1, box(0, 0, 40, 40), 1600, 0), (2, 2, 2, box(0, 0, 40, 40), 1600, 0),
                        (3, 9, 1, box(0, 0, 40, 40), 1600, 0), (4, 1, 5, box(50, 50, 40, 40), 1600, 0)],
               cats=(1, 2)),
        [dt(1, 7, box(0, 0, 40, 40), 0.99), dt(1, 1, box(0, 0, 40, 40), 0.9), dt(2, 2, box(0, 0, 40, 40), 0.9),
         dt(2, 7, box(5, 5, 40, 40), 0.95)],
    ),
    # -1 where there is no ground truth: no small or large boxes, one category without gt, one image without gt.
    'hand-minus-one': (
        gt_doc([1, 2], [(1, 1, 1, box(0, 0, 50, 50), 2500, 0), (2, 1, 1, box(100, 0, 40, 60), 2400, 0)],
               cats=(1, 2)),
        [dt(1, 1, box(0, 0, 50, 50), 0.9), dt(1, 1, box(100, 0, 40, 55), 0.6), dt(2, 1, box(0, 0, 30, 30), 0.8),
         dt(2, 2, box(0, 0, 30, 30), 0.7)],
    ),
    # The gt's `area` field, not its box, decides its area range; a detection's area is its box's w*h.
    'hand-area-field': (
        gt_doc([1], [(1, 1, 1, box(0, 0, 200, 200), 900, 0)]),
        [dt(1, 1, box(0, 0, 200, 200), 0.9), dt(1, 1, box(300, 300, 20, 20), 0.8)],
    ),
    # A gt whose id is 0 reads as "unmatched" in pycocotools' dtMatches: the detection on it counts as a false
    # positive and the gt is still counted.
    'hand-gt-id-zero': (
        gt_doc([1], [(0, 1, 1, box(0, 0, 40, 40), 1600, 0), (5, 1, 1, box(100, 100, 40, 40), 1600, 0)]),
        [dt(1, 1, box(0, 0, 40, 40), 0.9), dt(1, 1, box(100, 100, 40, 40), 0.8)],
    ),
    # maxDets: the only true positive is the 11th detection by score.
    'hand-maxdets': (
        gt_doc([1], [(1, 1, 1, box(0, 0, 40, 40), 1600, 0)]),
        [dt(1, 1, box(200 + 30 * i, 200, 20, 20), 0.9 - 0.01 * i) for i in range(10)]
        + [dt(1, 1, box(0, 0, 40, 40), 0.5)],
    ),
}

if __name__ == '__main__':
    root = sys.argv[1]
    for name, (gt, dts) in CASES.items():
        os.makedirs(os.path.join(root, name), exist_ok=True)
        with open(os.path.join(root, name, 'gt.json'), 'w') as f:
            json.dump(gt, f)
        with open(os.path.join(root, name, 'dt.json'), 'w') as f:
            json.dump(dts, f)
        print(name)
