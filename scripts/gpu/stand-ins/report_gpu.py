"""A trial of scripts/gpu-check: reports the GPU it was given. Real mode (`--torch`): opens CUDA with PyTorch and
reports the devices it sees (count, name, memory, UUID) after a small computation on device 0. Fake mode: reports
CUDA_VISIBLE_DEVICES only. With `--peers-dir D --peers N` it waits (up to 30 s) until N trials have started, so two
trials that run at once prove it. Prints one `GPU_CHECK {...}` line, then the epoch's metrics as a JSON line."""
import argparse
import json
import os
import sys
import time

parser = argparse.ArgumentParser()
parser.add_argument('--torch', action='store_true')
parser.add_argument('--peers-dir')
parser.add_argument('--peers', type=int, default=1)
args = parser.parse_args()

started = time.time()
seen = {'pid': os.getpid(), 'visible': os.environ.get('CUDA_VISIBLE_DEVICES'), 'slot': os.environ.get('SWEEPS_SLOT')}
if args.torch:
    import torch

    seen['torch'] = torch.__version__
    seen['cuda_available'] = torch.cuda.is_available()
    seen['device_count'] = torch.cuda.device_count()
    if seen['cuda_available']:
        props = torch.cuda.get_device_properties(0)
        seen['name'] = props.name
        seen['memory_mib'] = props.total_memory // (1024 * 1024)
        uuid = getattr(props, 'uuid', None)
        seen['uuid'] = None if uuid is None else f'GPU-{uuid}'
        x = torch.ones(256, 256, device='cuda')
        seen['sum'] = float((x @ x).sum().item())  # 256 * 256 * 256
else:
    seen['device_count'] = len([d for d in (seen['visible'] or '').split(',') if d])

seen['saw_peers'] = True
if args.peers_dir:
    os.makedirs(args.peers_dir, exist_ok=True)
    open(os.path.join(args.peers_dir, f'started-{os.getpid()}'), 'w').close()
    deadline = time.time() + 30
    while len(os.listdir(args.peers_dir)) < args.peers and time.time() < deadline:
        time.sleep(0.05)
    seen['saw_peers'] = len(os.listdir(args.peers_dir)) >= args.peers
seen['started'] = started
seen['ended'] = time.time()
print('GPU_CHECK ' + json.dumps(seen), flush=True)
print(json.dumps({'epoch': 1, 'gpu_check': 1, 'device_count': seen['device_count']}), flush=True)
sys.exit(0)
