"""Speed, peak memory and model FLOP utilisation of one real-size `daformer` training step.

    python benchmarks/daformer_step.py                         # CUDA: fp32 and bf16 autocast, 512², batch 2+2
    python benchmarks/daformer_step.py --precisions bf16 --method dacs
    python benchmarks/daformer_step.py --device cpu --crop 128 --steps 3   # smoke run of the same code path

One step is `udass.train.training_step`, the trainer's own: `method.train_step` (EMA update, source CE + feature distance, pseudo-labels,
ClassMix, strong augmentation, mixed CE, both backwards) inside `autocast_ctx`, then the AdamW step. The batch is random
images and labels of the real size: nothing is read from disk, so this measures the model and the method, not the loader.
The networks start from random weights (`pretrained=None`); the cost of a step does not depend on the weights.

FLOPs are counted once by `torch.utils.flop_counter.FlopCounterMode` over a whole step (forwards of student, teacher and
ImageNet encoder, and the backwards; matmuls and convolutions only). MFU = counted FLOPs x steps/s / peak, with the peak
of the dtype the matmuls run in: bf16 dense tensor-core peak for bf16; for fp32 the TF32 tensor-core peak when TF32 is on
(`--tf32`), else the plain FP32 peak. Peaks default to the H100 SXM datasheet (989 / 495 / 67 TFLOP/s); pass `--peak_*`
for another device. Not a test: numbers depend on the machine and on what else runs on it.
"""
from __future__ import annotations
import argparse, json, statistics, sys, time, warnings
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from udass.core import Config
from udass.train import resolve_config, resolve_optim, build_optimizer, training_step


def make_method(method: str, benchmark: str, crop: int, batch: int, device: torch.device, model: str | None):
    cfg = Config(method=method, benchmark=benchmark, batch_size=batch, crop=crop, model=model,
                 model_args={'pretrained': None}, device=str(device))
    cfg, bench, cls = resolve_config(cfg)
    m = cls(cfg, bench, device).to(device)
    m.train()
    return cfg, m


def random_batch(batch: int, crop: int, num_classes: int, device: torch.device, gen: torch.Generator) -> dict:
    "Normalised random images and blocky random labels (8x8 cells), so that ClassMix has several classes to paste."
    def img(): return torch.randn(batch, 3, crop, crop, generator=gen).to(device)
    coarse = torch.randint(0, num_classes, (batch, 1, 8, 8), generator=gen).float()
    lab = torch.nn.functional.interpolate(coarse, size=(crop, crop), mode='nearest')[:, 0].long().to(device)
    meta = [{} for _ in range(batch)]
    return {'source': {'img': img(), 'label': lab, 'meta': meta}, 'target': {'img': img(), 'meta': meta}}


def measure(args, precision: str, device: torch.device) -> dict:
    torch.manual_seed(0)
    cfg, method = make_method(args.method, args.benchmark, args.crop, args.batch, device, args.model)
    stage = method.stages()[0]       # the optimiser of the method's first stage, as the trainer builds it
    opt = build_optimizer({n: method.networks()[n] for n in stage.trains}, resolve_optim(stage.optim, cfg, method))
    gen = torch.Generator().manual_seed(0)
    batches = [random_batch(args.batch, args.crop, method.num_classes, device, gen) for _ in range(4)]
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    for i in range(args.warmup): training_step(method, batches[i % 4], i, opt, device, precision)
    sync()
    with FlopCounterMode(display=False) as fc:      # one counted step (slow: not timed)
        training_step(method, batches[0], args.warmup, opt, device, precision)
    flops = fc.get_total_flops()
    sync()
    if device.type == 'cuda': torch.cuda.reset_peak_memory_stats(device)
    times = []
    for i in range(args.steps):
        t = time.perf_counter()
        training_step(method, batches[i % 4], args.warmup + 1 + i, opt, device, precision)
        sync(); times.append(time.perf_counter() - t)
    sec = statistics.median(times)
    if precision == 'bf16' and device.type == 'cuda': peak = args.peak_bf16
    elif device.type == 'cuda': peak = args.peak_tf32 if args.tf32 else args.peak_fp32
    else: peak = None
    return dict(method=args.method, model=cfg.model, precision=precision, crop=args.crop, batch=f'{args.batch}+{args.batch}',
                it_per_s=round(1 / sec, 3), step_ms=round(1000 * sec, 1), step_ms_min=round(1000 * min(times), 1),
                peak_mem_gib=round(torch.cuda.max_memory_allocated(device) / 2**30, 2) if device.type == 'cuda' else None,
                tflop_per_step=round(flops / 1e12, 3), achieved_tflops=round(flops / sec / 1e12, 1),
                mfu=round(flops / sec / (peak * 1e12), 4) if peak else None, peak_tflops=peak,
                device=torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu',
                tf32=args.tf32, torch=torch.__version__)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--method', default='daformer')
    p.add_argument('--benchmark', default='gta2cityscapes', help='a real benchmark: the method uses its real defaults')
    p.add_argument('--model', default=None, help='default: the method default for the benchmark')
    p.add_argument('--crop', type=int, default=512)
    p.add_argument('--batch', type=int, default=2, help='images per domain')
    p.add_argument('--precisions', default='fp32,bf16')
    p.add_argument('--device', default='cuda')
    p.add_argument('--warmup', type=int, default=5)
    p.add_argument('--steps', type=int, default=20)
    p.add_argument('--tf32', action='store_true', help='allow TF32 matmuls and convolutions in fp32')
    p.add_argument('--peak_bf16', type=float, default=989.0)
    p.add_argument('--peak_tf32', type=float, default=495.0)
    p.add_argument('--peak_fp32', type=float, default=67.0)
    p.add_argument('--json', default=None, help='also write the rows to this file')
    a = p.parse_args(argv)
    device = torch.device(a.device)
    # random batches are not drawn by rare-class sampling; the cost of a step is the same either way
    warnings.filterwarnings('ignore', message='.*rare-class sampling')
    if device.type == 'cuda' and not torch.cuda.is_available(): p.error('--device cuda but torch sees no CUDA device')
    torch.backends.cuda.matmul.allow_tf32 = a.tf32
    torch.backends.cudnn.allow_tf32 = a.tf32
    rows = []
    for prec in a.precisions.split(','):
        r = measure(a, prec, device)
        print(json.dumps(r), flush=True)
        rows.append(r)
        if device.type == 'cuda': torch.cuda.empty_cache()
    if a.json: Path(a.json).write_text(json.dumps(rows, indent=1))
    return rows


if __name__ == '__main__':
    main()
