"""Stand-in for MMDetection 3.x's tools/train.py in the end-to-end tests (no torch, no mmdet): loads the derived
config the way mmengine does (../../load_config.py), checks it, prints mmengine-format logs with the pycocotools
table, writes vis_data/scalars.json, and misbehaves on request. What it does is chosen by the checkpoint's file
name (model.backbone.init_cfg.checkpoint): ok, crash, hang, oom, nometric, nan, clipped (a clipped run at a huge
lr: finite but enormous losses, grad_norm inf) or empty (an evaluation without a single detection); slow is ok
with 0.04/lr seconds per epoch (the best cells first at a rung). Like mmengine, it saves `epoch_N.pth` and `last_checkpoint` in the work dir after each
epoch, and with `resume = True` continues after the epoch `last_checkpoint` names ("Auto resumed from ...")."""
import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
from load_config import load  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument('config')
parser.add_argument('--work-dir', required=True)
parser.add_argument('--launcher', default='none')
parser.add_argument('--cfg-options', nargs='+', default=[])
args = parser.parse_args()

cfg = load(args.config)
opt = cfg['optim_wrapper']['optimizer']
behaviour = os.path.basename(cfg['model']['backbone']['init_cfg']['checkpoint']).split('.')[0]
epochs = cfg['train_cfg']['max_epochs']
os.makedirs(args.work_dir, exist_ok=True)
with open(os.path.join(args.work_dir, 'process.json'), 'w') as f:
    json.dump({'pid': os.getpid(), 'gpus': os.environ.get('CUDA_VISIBLE_DEVICES', ''),
               'world_size': os.environ.get('WORLD_SIZE', '1'), 'launcher': args.launcher,
               'optimizer': opt, 'seed': cfg['randomness']['seed']}, f)

stamp = f'20260101_000000_{os.getpid()}'  # mmengine starts a timestamped folder per run, a resumed run too
vis = os.path.join(args.work_dir, stamp, 'vis_data')
os.makedirs(vis, exist_ok=True)
scalars = open(os.path.join(vis, 'scalars.json'), 'a')


def log(text):
    print(f'2026/01/01 00:00:00 - mmengine - INFO - {text}', flush=True)


def train_epoch(epoch, loss):
    log(f'Epoch(train)  [{epoch}][ 50/100]  base_lr: {opt["lr"]:.4e} lr: {opt["lr"]:.4e}  eta: 1 day, 0:00:01  '
        f'time: 0.4000  data_time: 0.0500  memory: 3800  loss: {loss}  loss_cls: {loss}  loss_bbox: 0.2000')
    scalars.write(json.dumps({'lr': opt['lr'], 'loss': loss, 'loss_cls': loss, 'epoch': epoch, 'iter': 50,
                              'step': epoch * 50}) + '\n')
    scalars.flush()


if behaviour == 'crash':
    train_epoch(1, 1.5)
    print('Traceback (most recent call last):\n  File "tools/train.py", line 1\nKeyError: \'bbox_head\'',
          file=sys.stderr)
    sys.exit(1)
if behaviour == 'oom':
    train_epoch(1, 1.5)
    print('RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 79.35 GiB total capacity)',
          file=sys.stderr)
    sys.exit(1)
if behaviour == 'hang':
    helper = subprocess.Popen(['sleep', '600'])  # a grandchild that must not outlive the trial
    with open(os.path.join(args.work_dir, 'helper.pid'), 'w') as f:
        f.write(str(helper.pid))
    train_epoch(1, 1.5)
    time.sleep(600)
if behaviour == 'nan':
    train_epoch(1, 'nan')
    time.sleep(600)  # the trainer stops a diverged run itself
if behaviour == 'clipped':
    for loss in ['1.2e+21', '3.4e+22', '5.6e+24']:
        log(f'Epoch(train)  [1][ 50/100]  base_lr: 1.0000e+03 lr: 1.0000e+03  eta: 0:00:01  time: 0.4000  '
            f'data_time: 0.0500  memory: 3800  grad_norm: inf  loss: {loss}  loss_cls: {loss}')
    time.sleep(600)  # the trainer stops it; a run left alone would time out
if behaviour == 'empty':
    train_epoch(1, 0.9)
    print('2026/01/01 00:00:00 - mmengine - \x1b[4m\x1b[33mWARNING\x1b[0m - The testing results of the whole '
          'dataset is empty.', flush=True)
    time.sleep(600)

first = 1
last_checkpoint = os.path.join(args.work_dir, 'last_checkpoint')
if cfg.get('resume') and os.path.exists(last_checkpoint):
    with open(last_checkpoint) as f:
        resumed_from = f.read().strip()
    first = int(os.path.basename(resumed_from)[len('epoch_'):-len('.pth')]) + 1
    log(f'Auto resumed from {resumed_from}')


def save(epoch):
    snapshot = os.path.join(args.work_dir, f'epoch_{epoch}.pth')
    with open(snapshot, 'w') as f:
        f.write('weights')
    with open(last_checkpoint, 'w') as f:
        f.write(snapshot)


for epoch in range(first, epochs + 1):
    if behaviour == 'slow':
        time.sleep(0.04 / opt['lr'])  # the higher the lr (the better its result), the sooner it reaches a rung
    train_epoch(epoch, round(1.5 / epoch, 4))
    if behaviour == 'nometric':
        continue
    # a made-up result that depends on the cell, so each trial's numbers are its own
    ap = round(0.2 + 0.1 * epoch / epochs + opt['lr'], 4)
    for iou, area, value in [('0.50:0.95', '   all', ap), ('0.50     ', '   all', ap + 0.2),
                             ('0.75     ', '   all', ap), ('0.50:0.95', ' small', ap - 0.1),
                             ('0.50:0.95', 'medium', ap), ('0.50:0.95', ' large', ap + 0.1)]:
        print(f' Average Precision  (AP) @[ IoU={iou} | area={area} | maxDets=100 ] = {value:.3f}')
    log(f'Epoch(val) [{epoch}][10/10]    coco/bbox_mAP: {ap:.4f}  coco/bbox_mAP_50: {ap + 0.2:.4f}  '
        f'data_time: 0.0050  time: 0.0600')
    scalars.write(json.dumps({'coco/bbox_mAP': ap, 'coco/bbox_mAP_50': round(ap + 0.2, 4), 'step': epoch}) + '\n')
    scalars.flush()
    save(epoch)
