"""Is bf16 autocast exact enough? Short dacs and daformer runs from the same seed in fp32 and in bf16, side by side.

    python benchmarks/bf16_check.py                                  # 200 iterations on generated synthetic data (1/4 sizes)
    python benchmarks/bf16_check.py --size real --device cuda        # real networks (random init), 512² crops, real-size frames
    python benchmarks/bf16_check.py --size tiny --iters 6 --device cpu   # smoke run (CPU bf16 autocast)

Each run is `udass.train.run` (the trainer, its optimiser, schedule and autocast), every iteration logged. For each
method the script writes, per logged iteration and precision, the losses and the share of target pixels whose teacher
confidence is at least the pseudo-label threshold (0.968). That share is what the methods log as `pl_weight`: with
`pseudo_weight='batch'` (dacs and daformer) the weight of a batch is q = the share of confident pixels of the crop, and
`pl_weight` is its maximum over pixels, q itself. Outputs: <out>/bf16_check.json and <out>/bf16_check.png.

On CUDA, fp32 means fp32 matmuls without TF32 (torch's default) and cuDNN convolutions with TF32 (also torch's
default; pass --no-tf32-conv to turn it off). The data are generated into a temporary folder: no dataset is needed.
Not a test: it reports the two curves and their differences; it asserts nothing about them.
"""
from __future__ import annotations
import argparse, json, sys, tempfile, time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import torch
from udass.core import Config

SIZES = {   # benchmark, generated data (sizes and counts), Config overrides
    'tiny': ('synthetic_gta2cityscapes', dict(gta_size=(96, 52), gta_n=8, cityscapes_size=(128, 64), cityscapes_train=8, cityscapes_val=2),
             dict(crop=32, batch_size=2)),
    'small': ('synthetic_gta2cityscapes', dict(gta_n=48, cityscapes_train=48, cityscapes_val=8), {}),
    'real': ('gta2cityscapes', dict(gta_size=(1914, 1052), gta_n=24, cityscapes_size=(2048, 1024), cityscapes_train=24, cityscapes_val=4),
             dict(model_args={'pretrained': None})),
}


def read_metrics(out_dir: Path) -> dict:
    "{'iter': [...], 'loss': [...] (sum of the loss_* terms), 'terms': {name: [...]}, 'pl_share': [...]} of a run's metrics.jsonl."
    recs = [json.loads(l) for l in (out_dir/'metrics.jsonl').read_text().splitlines() if l.strip()]
    recs = [r for r in recs if 'eval' not in r and 'unlabelled' not in r]
    names = sorted({k for r in recs for k in r if k.startswith('loss_')})
    return dict(iter=[r['iter'] for r in recs], loss=[sum(r.get(k, 0.0) for k in names) for r in recs],
                terms={k: [r.get(k) for r in recs] for k in names}, pl_share=[r.get('pl_weight') for r in recs],
                it_per_s=[r.get('it_per_s') for r in recs])


def compare(a: list, b: list) -> dict:
    "Mean and largest absolute difference of two curves, and their means over the last quarter."
    pairs = [(x, y) for x, y in zip(a, b) if x is not None and y is not None]
    if not pairs: return {}
    d = [abs(x - y) for x, y in pairs]
    q = pairs[-max(1, len(pairs) // 4):]
    return dict(mean_abs_diff=sum(d) / len(d), max_abs_diff=max(d), last_quarter_fp32=sum(x for x, _ in q) / len(q),
                last_quarter_bf16=sum(y for _, y in q) / len(q))


def plot(res: dict, path: Path):
    import matplotlib; matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    methods = list(res['runs'])
    fig, axes = plt.subplots(2, len(methods), figsize=(5 * len(methods), 6), squeeze=False)
    for j, m in enumerate(methods):
        for prec, style in (('fp32', '-'), ('bf16', '--')):
            r = res['runs'][m][prec]
            axes[0, j].plot(r['iter'], r['loss'], style, label=prec, lw=1)
            if any(v is not None for v in r['pl_share']):
                axes[1, j].plot(r['iter'], [v if v is not None else float('nan') for v in r['pl_share']], style, label=prec, lw=1)
        axes[0, j].set_title(f'{m}: total loss'); axes[1, j].set_title(f'{m}: share of pixels with p_max >= 0.968')
        axes[1, j].set_xlabel('iteration'); axes[1, j].set_ylim(0, 1)
        for ax in axes[:, j]: ax.legend(); ax.grid(alpha=.3)
    fig.suptitle(f"bf16 autocast against fp32, seed {res['seed']}, {res['size']} sizes on {res['device']}")
    fig.tight_layout(); fig.savefig(path, dpi=110); plt.close(fig)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--methods', default='dacs,daformer')
    p.add_argument('--iters', type=int, default=200)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--size', default='small', choices=list(SIZES))
    p.add_argument('--device', default='auto')
    p.add_argument('--model', default=None, help='a network other than the method default for the size')
    p.add_argument('--data-root', default=None, help='use these data (of the size\'s benchmark) instead of generating them')
    p.add_argument('--no-tf32-conv', action='store_true', help='fp32 convolutions without TF32 on CUDA')
    p.add_argument('--out', default='outputs/bf16_check')
    a = p.parse_args(argv)
    bench, gen, over = SIZES[a.size]
    if a.no_tf32_conv: torch.backends.cudnn.allow_tf32 = False
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    from udass.train import run
    from udass.core import pick_device
    device = pick_device(a.device)
    res = dict(size=a.size, benchmark=bench, seed=a.seed, iters=a.iters, device=torch.cuda.get_device_name(device)
               if device.type == 'cuda' else 'cpu', tf32_conv=torch.backends.cudnn.allow_tf32, torch=torch.__version__, runs={}, diff={})
    with tempfile.TemporaryDirectory() as tmp:
        root = a.data_root
        if root is None:
            from udass.data.synthetic import generate_synthetic
            root = str(Path(tmp)/'data'); t = time.time()
            generate_synthetic(root, parts=('gta', 'cityscapes'), progress=False, **gen)
            print(f'data generated in {root} ({time.time() - t:.0f} s)', flush=True)
        for m in a.methods.split(','):
            res['runs'][m] = {}
            for prec in ('fp32', 'bf16'):
                cfg = Config(method=m, benchmark=bench, data_root=root, iters=a.iters, seed=a.seed, precision=prec, device=str(device),
                             out_dir=str(out/f'{m}_{prec}'), log_every=1, eval_every=0, ckpt_every=0, model=a.model, **over)
                t = time.time()
                r = run(cfg)
                res['runs'][m][prec] = {**read_metrics(out/f'{m}_{prec}'), 'miou': r['miou'], 'seconds': round(time.time() - t, 1)}
                print(f'{m} {prec}: mIoU {r["miou"]:.2f}, {time.time() - t:.0f} s', flush=True)
            f, b = res['runs'][m]['fp32'], res['runs'][m]['bf16']
            res['diff'][m] = {'loss': compare(f['loss'], b['loss']), 'pl_share': compare(f['pl_share'], b['pl_share']),
                              'miou': (f['miou'], b['miou'])}
    (out/'bf16_check.json').write_text(json.dumps(res, indent=1) + '\n')
    plot(res, out/'bf16_check.png')
    for m, d in res['diff'].items(): print(m, json.dumps(d))
    print(f'written: {out/"bf16_check.json"}, {out/"bf16_check.png"}')
    return res


if __name__ == '__main__':
    main()
