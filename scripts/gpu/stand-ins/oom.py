"""A trial of scripts/gpu-check that runs out of GPU memory. Real mode (`--torch`): allocates 1 GiB blocks on the
trial's GPU until PyTorch raises its out-of-memory error (uncaught: the traceback goes to stderr, exit code 1).
Fake mode: prints what PyTorch 2.x prints then (the text in GPU_CHECK_FAKE_OOM_MESSAGE instead, when set, so a test
can show the check failing when the error is not recognised) and exits 1."""
import json
import os
import sys

if '--torch' in sys.argv:
    import torch

    print(json.dumps({'epoch': 1, 'loss': 1.5}), flush=True)
    blocks = []
    while True:
        blocks.append(torch.empty(1 << 30, dtype=torch.uint8, device='cuda'))

print(json.dumps({'epoch': 1, 'loss': 1.5}), flush=True)
visible = os.environ.get('CUDA_VISIBLE_DEVICES', '0')
message = os.environ.get('GPU_CHECK_FAKE_OOM_MESSAGE') or (
    'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1024.00 MiB. GPU 0 has a total capacity of '
    '79.19 GiB of which 612.00 MiB is free. Including non-PyTorch memory, this process has 78.58 GiB memory in use. '
    'Of the allocated memory 78.00 GiB is allocated by PyTorch, and 0 bytes is reserved by PyTorch but unallocated. '
    'If reserved but unallocated memory is large try setting PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True to '
    'avoid fragmentation.  See documentation for Memory Management  '
    '(https://pytorch.org/docs/stable/notes/cuda.html#environment-variables)')
print('Traceback (most recent call last):\n  File "oom.py", line 17, in <module>\n'
      "    blocks.append(torch.empty(1 << 30, dtype=torch.uint8, device='cuda'))\n" + message,
      file=sys.stderr, flush=True)
print(f'(fake: CUDA_VISIBLE_DEVICES={visible})', file=sys.stderr)
sys.exit(1)
