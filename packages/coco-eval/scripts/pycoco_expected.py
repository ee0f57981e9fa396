#!/usr/bin/env python3
"""Write pycocotools' results for a case directory (gt.json + dt.json) to CASE/pycocotools.json.

usage: PYCOCOTOOLS_DIR=/path/to/cocoapi/PythonAPI python3 pycoco_expected.py CASE_DIR [--no-cats]
       PYCOCOTOOLS_DIR=... python3 pycoco_expected.py --stats-only GT.json DT.json

Records, at full float64 precision: the 12 stats and printed lines of COCOeval(gt, dt, 'bbox'); per-category
stats (pycocotools' own summarize() run on the category's slice of eval['precision'] / eval['recall']); the
recall array and the precision and scores arrays summed over the recall points (C order). With --no-cats, runs
with params.useCats = 0 and writes pycocotools-nocats.json. With --stats-only, does only what a user of
pycocotools does (load, evaluate, accumulate, summarize) and prints {"stats": [...]}: the benchmark times that.
Development tool: the tests only read its output.
"""
import contextlib, io, json, os, sys, types
import numpy as np

if not hasattr(np, 'float'):
    np.float = float  # cocoapi master still says np.float (removed in numpy 1.24); the same float64 semantics
for name in ['matplotlib', 'matplotlib.pyplot', 'matplotlib.collections', 'matplotlib.patches']:
    stub = types.ModuleType(name)  # only used by COCO.showAnns, never by evaluation
    stub.PatchCollection = stub.Polygon = None
    sys.modules[name] = stub
if os.environ.get('PYCOCOTOOLS_DIR'):
    sys.path.insert(0, os.environ['PYCOCOTOOLS_DIR'])
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402


def run(case_dir, use_cats):
    quiet = io.StringIO()
    with contextlib.redirect_stdout(quiet):
        gt = COCO(os.path.join(case_dir, 'gt.json'))
        dt = gt.loadRes(os.path.join(case_dir, 'dt.json'))
        ev = COCOeval(gt, dt, 'bbox')
        ev.params.useCats = 1 if use_cats else 0
        ev.evaluate()
        ev.accumulate()
    lines = io.StringIO()
    with contextlib.redirect_stdout(lines):
        ev.summarize()
    stats = [float(x) for x in ev.stats]
    precision, recall, scores = ev.eval['precision'], ev.eval['recall'], ev.eval['scores']
    per_category = []
    for k, cat_id in enumerate(ev.params.catIds):
        ev.eval['precision'], ev.eval['recall'] = precision[:, :, k:k + 1], recall[:, k:k + 1]
        with contextlib.redirect_stdout(quiet):
            ev.summarize()
        per_category.append({'categoryId': int(cat_id), 'stats': [float(x) for x in ev.stats]})
    return {
        'source': 'pycocotools (cocodataset/cocoapi master 8c9bcc3), COCOeval(gt, dt, "bbox")',
        'useCats': bool(use_cats),
        'stats': stats,
        'lines': lines.getvalue().splitlines(),
        'perCategory': per_category,
        'recall': [float(x) for x in recall.ravel()],
        'precisionSumOverR': [float(x) for x in precision.sum(axis=1).ravel()],
        'scoresSumOverR': [float(x) for x in scores.sum(axis=1).ravel()],
    }


def stats_only(gt_path, dt_path):
    gt = COCO(gt_path)
    ev = COCOeval(gt, gt.loadRes(dt_path), 'bbox')
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return [float(x) for x in ev.stats]


if __name__ == '__main__':
    if sys.argv[1] == '--stats-only':
        with contextlib.redirect_stdout(io.StringIO()):
            numbers = stats_only(sys.argv[2], sys.argv[3])
        print(json.dumps({'stats': numbers}))
        sys.exit(0)
    case = sys.argv[1]
    use_cats = '--no-cats' not in sys.argv[2:]
    out = run(case, use_cats)
    name = 'pycocotools.json' if use_cats else 'pycocotools-nocats.json'
    with open(os.path.join(case, name), 'w') as f:
        json.dump(out, f)
    print(case, name, ' '.join(f'{x:.4f}' for x in out['stats']))
