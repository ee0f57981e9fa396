#!/usr/bin/env python3
"""The trainer benchmark's reference ResNet in PyTorch (one CPU thread, or a CUDA GPU), for comparison.

Same net as bench/ref-resnet-model.ts: stem 3x3/16 stride 2 + BN + ReLU, four stages of two
BasicBlocks (16/32/64/128, stride 2 from the second stage, 1x1 conv + BN projection shortcuts),
global average pool, linear head to 10 logits; batch 16, Adam 1e-3, BCE with logits on random
multi-label targets. Prints one JSON line per image size, like `npm run bench:trainer -- --json`.

    python3 bench/ref_resnet_torch.py --json --sizes 64,128      # Debian: apt-get install python3-torch
    python3 bench/ref_resnet_torch.py --json --device cuda       # beside the WebGPU backend on a GPU node
    python3 bench/ref_resnet_torch.py --json --device cuda --sizes 64 --batches 16,64   # scripts/gpu-check
    python3 bench/ref_resnet_torch.py --profile --sizes 64       # CPU time per operator of a training step

On CUDA each timed step ends with torch.cuda.synchronize(), so a step's time includes its GPU work.
"""
import argparse
import json
import resource
import statistics
import time

import torch
from torch import nn


class BasicBlock(nn.Module):
    def __init__(self, in_c, out_c, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(in_c, out_c, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_c)
        self.conv2 = nn.Conv2d(out_c, out_c, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_c)
        self.shortcut = None
        if stride != 1 or in_c != out_c:
            self.shortcut = nn.Sequential(nn.Conv2d(in_c, out_c, 1, stride, bias=False), nn.BatchNorm2d(out_c))

    def forward(self, x):
        h = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(h))
        return torch.relu(y + (x if self.shortcut is None else self.shortcut(x)))


def ref_resnet(classes=10, widths=(16, 32, 64, 128)):
    layers = [nn.Conv2d(3, widths[0], 3, 2, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU()]
    in_c = widths[0]
    for stage, width in enumerate(widths):
        for i in range(2):
            layers.append(BasicBlock(in_c, width, 2 if stage > 0 and i == 0 else 1))
            in_c = width
    layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(in_c, classes)]
    return nn.Sequential(*layers)


def step_seconds(step, warmup, steps, sync):
    """Median wall-clock seconds of one step, and mean CPU seconds of this process per step."""
    for _ in range(warmup):
        step()
    sync()
    times = []
    cpu_start = time.process_time()
    for _ in range(steps):
        start = time.perf_counter()
        step()
        sync()
        times.append(time.perf_counter() - start)
    return statistics.median(times), (time.process_time() - cpu_start) / steps


def make_steps(size, device, batch=16):
    """The model and its training and inference steps on `device`."""
    model = ref_resnet().to(device)
    images = torch.randn(batch, 3, size, size).to(device)
    targets = (torch.rand(batch, 10) > 0.5).float().to(device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()

    def train_step():
        optimizer.zero_grad()
        loss_fn(model(images), targets).backward()
        optimizer.step()

    def inference_step():
        with torch.no_grad():
            model(images)

    return model, train_step, inference_step, sync


def profile(size, device, steps=5):
    """Prints the CPU time per operator of `steps` training steps (beside bench/profile-step.ts)."""
    model, train_step, _, sync = make_steps(size, device)
    model.train()
    for _ in range(3):
        train_step()
    sync()
    with torch.autograd.profiler.profile() as prof:
        for _ in range(steps):
            train_step()
        sync()
    print(f"ref-resnet-{size}: CPU time of {steps} training steps, by operator (self time)")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=25))


def bench(size, device, batch=16, warmup=3):
    steps = max(6, round(24 * (64 / size) ** 2))
    model, train_step, inference_step, sync = make_steps(size, device, batch)
    model.train()
    train, train_cpu = step_seconds(train_step, warmup, steps, sync)
    model.eval()
    inference, inference_cpu = step_seconds(inference_step, warmup, steps * 2, sync)
    cuda = device.type == "cuda"
    return {
        "name": f"ref-resnet-{size}",
        "backend": "pytorch-cuda" if cuda else "pytorch-cpu-1-thread",
        "device": torch.cuda.get_device_name(device) if cuda else "cpu",
        "batch": batch,
        "train_images_per_s": round(batch / train, 1),
        "inference_images_per_s": round(batch / inference, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "train_images_per_cpu_s": round(batch / train_cpu, 1),
        "inference_images_per_cpu_s": round(batch / inference_cpu, 1),
        "torch": torch.__version__,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--sizes", default="64,128")
    parser.add_argument("--batches", default="16", help="images per step, one line per batch size")
    parser.add_argument("--device", default="cpu", help="cpu (one thread) or cuda")
    parser.add_argument("--profile", action="store_true", help="CPU time per operator instead")
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(1)
    torch.manual_seed(0)
    if args.profile:
        for size in (int(s) for s in args.sizes.split(",")):
            profile(size, device)
        return
    for size, batch in ((int(s), int(b)) for s in args.sizes.split(",") for b in args.batches.split(",")):
        line = bench(size, device, batch)
        print(json.dumps(line) if args.json else f"{line['name']}: train {line['train_images_per_s']} img/s, inference {line['inference_images_per_s']} img/s", flush=True)


if __name__ == "__main__":
    main()
