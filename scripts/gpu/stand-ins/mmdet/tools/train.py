"""Stand-in for MMDetection 3.x's tools/train.py in scripts/gpu-check: no model, only the launch. Loads the derived
config (as mmengine would), then per process (rank): real mode (GPU_CHECK_DIST=nccl) opens CUDA on its LOCAL_RANK
and, with several processes, joins an NCCL process group and all-reduces rank + 1; fake mode (GPU_CHECK_DIST=none)
does the all-reduce over a TCP socket on MASTER_PORT instead. Each rank writes rank-N.json (pid, devices, the sum)
into the work dir; rank 0 then prints an mmengine-format training and evaluation line per epoch (0.3 s apart) for
`max_epochs` epochs, the other ranks wait. scripts/gpu-check cancels it after the first epoch."""
import argparse
import json
import os
import socket
import sys
import time

here = os.path.dirname(os.path.abspath(__file__))
repo = os.path.abspath(os.path.join(here, '..', '..', '..', '..', '..'))
sys.path.insert(0, os.path.join(repo, 'packages', 'trainer-mmdet', 'src', 'testing'))
from load_config import load  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument('config')
parser.add_argument('--work-dir', required=True)
parser.add_argument('--launcher', default='none')
parser.add_argument('--cfg-options', nargs='+', default=[])
args = parser.parse_args()

cfg = load(args.config)
epochs = cfg['train_cfg']['max_epochs']
lr = cfg['optim_wrapper']['optimizer']['lr']
rank = int(os.environ.get('RANK', '0'))
world = int(os.environ.get('WORLD_SIZE', '1'))
local_rank = int(os.environ.get('LOCAL_RANK', '0'))
dist_backend = os.environ.get('GPU_CHECK_DIST', 'none')
info = {'pid': os.getpid(), 'ppid': os.getppid(), 'rank': rank, 'world_size': world, 'launcher': args.launcher,
        'visible': os.environ.get('CUDA_VISIBLE_DEVICES', '')}


def tcp_all_reduce(value):
    """Sums `value` over the ranks through rank 0, on MASTER_PORT (what the process group's store would use)."""
    port = int(os.environ['MASTER_PORT'])
    if rank == 0:
        server = socket.create_server(('127.0.0.1', port))
        peers = [server.accept()[0] for _ in range(world - 1)]
        total = value + sum(float(p.recv(64).decode()) for p in peers)
        for p in peers:
            p.sendall(str(total).encode())
        return total
    deadline = time.time() + 30
    while True:
        try:
            conn = socket.create_connection(('127.0.0.1', port))
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.05)
    conn.sendall(str(value).encode())
    return float(conn.recv(64).decode())


if dist_backend == 'nccl':
    import torch

    torch.cuda.set_device(local_rank)
    info['device'] = torch.cuda.get_device_name(local_rank)
    info['device_count'] = torch.cuda.device_count()
    t = torch.tensor([rank + 1.0], device='cuda')
    if world > 1:
        import torch.distributed as dist

        dist.init_process_group('nccl')
        dist.all_reduce(t)
        info['dist_backend'] = dist.get_backend()
    info['all_reduce'] = t.item()
else:
    info['all_reduce'] = tcp_all_reduce(rank + 1.0) if world > 1 else 1.0
    info['dist_backend'] = 'tcp stand-in' if world > 1 else None

os.makedirs(args.work_dir, exist_ok=True)
with open(os.path.join(args.work_dir, f'rank-{rank}.json.tmp'), 'w') as f:
    json.dump(info, f)
os.rename(os.path.join(args.work_dir, f'rank-{rank}.json.tmp'), os.path.join(args.work_dir, f'rank-{rank}.json'))

if rank != 0:
    time.sleep(3600)  # until the trial is cancelled
for epoch in range(1, epochs + 1):
    loss = round(1.5 / epoch, 4)
    print(f'2026/01/01 00:00:00 - mmengine - INFO - Epoch(train)  [{epoch}][ 50/100]  base_lr: {lr:.4e} '
          f'lr: {lr:.4e}  eta: 0:00:01  time: 0.4000  data_time: 0.0500  memory: 3800  loss: {loss}  '
          f'loss_cls: {loss}  loss_bbox: 0.2000', flush=True)
    ap = round(0.2 + 0.01 * epoch, 4)
    print(f'2026/01/01 00:00:00 - mmengine - INFO - Epoch(val) [{epoch}][10/10]    coco/bbox_mAP: {ap:.4f}  '
          f'coco/bbox_mAP_50: {ap + 0.2:.4f}  data_time: 0.0050  time: 0.0600', flush=True)
    time.sleep(0.3)
