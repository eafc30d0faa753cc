"""Size and cost of udass's registered networks: parameters, FLOPs of one forward, forward+backward time, peak memory.

    python benchmarks/models.py                           # real training sizes; on CUDA: fp32 and bf16 autocast
    python benchmarks/models.py --small                   # small sizes on the CPU (fp32)
    python benchmarks/models.py --small --models deeplabv2_r101,flownets

Each model is measured in its own subprocess (a clean peak-memory count, and an OOM or a crash costs one row).
FLOPs are counted by `torch.utils.flop_counter.FlopCounterMode` on one fp32 forward (convolutions and matmuls;
`grid_sample`, norms and activations are not counted); time is the median of `--iters` forward+backward steps
after `--warmup` (RAFT, used only to precompute flows, is timed forward-only under no_grad). Peak memory is
`torch.cuda.max_memory_allocated` on CUDA and the increase of the process's peak RSS on the CPU (weights,
gradients, activations and allocator slack). Models that are not registered (yet) are skipped with a note.

Not a test: numbers depend on the machine and on what else runs on it.
"""
from __future__ import annotations
import argparse, json, os, resource, statistics, subprocess, sys, time
from dataclasses import dataclass, field

NUM_CLASSES = 19


@dataclass
class Entry:
    label: str                       # what the table calls it
    name: str                        # registry name
    kind: str                        # 'image', 'video' (two frames + flow), 'accel' (two frames), 'flow', 'raft'
    real: tuple                      # (batch, H, W) at the size it trains at
    small: tuple = (1, 128, 128)     # (batch, H, W) with --small
    kw: dict = field(default_factory=dict)        # factory keywords
    small_kw: dict = field(default_factory=dict)  # extra factory keywords with --small
    train: bool = True               # False: forward-only under no_grad
    note: str = ''                   # the real setting the size comes from
    small_note: str = ''             # what differs with --small


ENTRIES = [
    Entry('DeepLabV2-R101', 'deeplabv2_r101', 'image', (2, 512, 512), note='DACS/DAFormer crop 512², batch 2'),
    Entry('DDB adapter R101', 'deeplabv2_adapter_r101_v1c', 'image', (2, 512, 512), note='DDB, crop 512², batch 2'),
    Entry('DAFormer MiT-B5', 'daformer_mitb5', 'image', (2, 512, 512), note='DAFormer, crop 512², batch 2'),
    Entry('SegFormer MiT-B5', 'segformer_mitb5', 'image', (2, 512, 512), note='crop 512², batch 2'),
    Entry('HRDA-DAFormer MiT-B5', 'hrda_daformer_mitb5', 'image', (2, 1024, 1024), small=(1, 128, 128),
          small_kw={'hr_crop': 64}, note='HRDA crop 1024² (context 512² + detail 512²), batch 2',
          small_note='detail crop 64²'),
    Entry('Two-frame DeepLabV2-R101', 'video_deeplabv2_r101', 'video', (1, 512, 1024),
          note='TPS/DA-VSN, 1024×512 frames, batch 1', small_note='two frames'),
    Entry('Accel (2× DeepLabV2-R101 + FlowNet-S)', 'accel_deeplabv2_r101', 'accel', (1, 512, 1024),
          note='SFC, 1024×512 frames, batch 1', small_note='two frames'),
    Entry('FlowNet-S (SFC, base 24)', 'flownets', 'flow', (1, 512, 1024), note='SFC, 1024×512'),
    Entry('RAFT-small', 'raft_small', 'raft', (1, 512, 1024), train=False,
          note='flow precomputation at 1024×512, 12 updates', small_note='12 updates'),
]


# ---------------------------------------------------------------------------------------------- worker side
def _rss_mib() -> float:
    "Current resident set size of this process in MiB (Linux)."
    with open('/proc/self/statm') as f: return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20

def _peak_rss_mib() -> float: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux


def _inputs(e: Entry, shape, device):
    import torch
    B, H, W = shape
    g = torch.Generator().manual_seed(0)
    img = lambda: torch.randn(B, 3, H, W, generator=g).to(device)
    if e.kind == 'image': return (img(),)
    if e.kind == 'video': return (img(), img(), (torch.randn(B, 2, H // 2, W // 2, generator=g) * 4).to(device))
    if e.kind == 'accel': return (img(), img())
    if e.kind == 'flow': return (torch.rand(B, 3, H, W, generator=g).to(device), torch.rand(B, 3, H, W, generator=g).to(device))
    if e.kind == 'raft': return (torch.rand(B, 3, H, W, generator=g).to(device) * 2 - 1, torch.rand(B, 3, H, W, generator=g).to(device) * 2 - 1)
    raise ValueError(e.kind)


def _scalar(out):
    "A scalar that depends on every output (logits, aux, or a flow)."
    import torch
    if torch.is_tensor(out): return out.float().mean()
    if isinstance(out, (list, tuple)):
        ts = [t for t in out if torch.is_tensor(t)]
        if hasattr(out, 'logits'): ts = [out.logits] + ([out.aux] if getattr(out, 'aux', None) is not None else [])
        return sum(t.float().mean() for t in ts)
    raise TypeError(type(out))


def measure(e: Entry, small: bool, device: str, precision: str, iters: int, warmup: int) -> dict:
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from udass.core import MODELS, UnknownNameError
    import udass.catalog  # noqa: F401  registers what the catalog lists
    for mod in ('udass.models.deeplab', 'udass.models.daformer', 'udass.models.hrda', 'udass.models.flow', 'udass.models.video'):
        try: __import__(mod)
        except ModuleNotFoundError: pass
    try: factory = MODELS.get(e.name)
    except UnknownNameError: return {'skip': f'{e.name!r} is not registered'}
    dev = torch.device(device)
    cuda = dev.type == 'cuda'
    shape = e.small if small else e.real
    kw = {**e.kw, **(e.small_kw if small else {})}
    rss0 = _rss_mib()
    model = factory(NUM_CLASSES, None, **kw).to(dev)
    model.train(e.train)
    x = _inputs(e, shape, dev)
    params = sum(p.numel() for p in model.parameters())

    def forward():
        if e.kind == 'raft': return model(*x, num_flow_updates=12)[-1]
        return model(*x)

    with torch.no_grad(), FlopCounterMode(display=False) as fc: forward()
    flops = fc.get_total_flops()
    if cuda: torch.cuda.synchronize(); torch.cuda.reset_peak_memory_stats()
    amp = torch.autocast(dev.type, dtype=torch.bfloat16, enabled=precision == 'bf16')
    times = []
    for i in range(warmup + iters):
        t0 = time.perf_counter()
        with amp:
            if e.train: out = forward(); loss = _scalar(out)
            else:
                with torch.no_grad(): out = forward()
        if e.train:
            loss.backward()
            model.zero_grad(set_to_none=True)
        del out
        if cuda: torch.cuda.synchronize()
        if i >= warmup: times.append(time.perf_counter() - t0)
    mem = torch.cuda.max_memory_allocated() / 2**20 if cuda else _peak_rss_mib() - rss0
    return dict(params=params, gflops=flops / 1e9, seconds=statistics.median(times), peak_mib=mem, shape=list(shape))


# ---------------------------------------------------------------------------------------------- driver side
def run_worker(e: Entry, args, precision: str) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), '--worker', e.name, '--precision', precision, '--device', args.device,
           '--iters', str(args.iters), '--warmup', str(args.warmup)] + (['--small'] if args.small else [])
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
    except subprocess.TimeoutExpired:
        return {'skip': f'timed out after {args.timeout} s'}
    for line in reversed(r.stdout.splitlines()):
        if line.startswith('RESULT '): return json.loads(line[len('RESULT '):])
    tail = (r.stderr or r.stdout).strip().splitlines()[-1:] or ['no output']
    return {'skip': f'failed: {tail[0][:160]}'}


def fmt_table(rows, precisions, device_desc, small: bool = False) -> str:
    head = ['model', 'registry name', 'input B×H×W', 'params (M)', 'GFLOPs fwd']
    for p in precisions: head += [f'step {p} (s)', f'peak mem {p} (MiB)']
    head.append('note')
    lines = ['| ' + ' | '.join(head) + ' |', '|' + '---|' * len(head)]
    for e, res in rows:
        first = next((r for r in res.values() if 'skip' not in r), None)
        if first is None:
            why = next(iter(res.values()))['skip']
            lines.append(f'| {e.label} | `{e.name}` | — | — | — |' + ' — | — |' * len(precisions) + f' skipped: {why} |')
            continue
        cells = [e.label, f'`{e.name}`', '×'.join(map(str, first['shape'])), f"{first['params'] / 1e6:.1f}", f"{first['gflops']:.1f}"]
        for p in precisions:
            r = res[p]
            cells += ['—', r['skip']] if 'skip' in r else [f"{r['seconds']:.3f}", f"{r['peak_mib']:.0f}"]
        note = e.small_note if small else e.note
        cells.append('; '.join(n for n in (note, '' if e.train else 'forward only') if n))
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + f'\n\n{device_desc}'


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--small', action='store_true', help='small sizes (CPU-friendly)')
    ap.add_argument('--models', default='', help='comma-separated registry names or labels to keep')
    ap.add_argument('--device', default='auto', help="'auto', 'cpu' or 'cuda'")
    ap.add_argument('--precisions', default='', help="comma-separated from fp32,bf16 (default: both on CUDA, fp32 on CPU)")
    ap.add_argument('--iters', type=int, default=None, help='timed steps (default 5 on CUDA, 2 on CPU)')
    ap.add_argument('--warmup', type=int, default=None, help='untimed steps first (default 2 on CUDA, 1 on CPU)')
    ap.add_argument('--timeout', type=int, default=1800, help='seconds per model and precision')
    ap.add_argument('--worker', default=None, help=argparse.SUPPRESS)
    ap.add_argument('--precision', default='fp32', help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    import torch
    if args.device == 'auto': args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    cuda = args.device.startswith('cuda')
    args.iters = args.iters or (5 if cuda else 2)
    args.warmup = args.warmup if args.warmup is not None else (2 if cuda else 1)

    if args.worker:
        e = next(e for e in ENTRIES if e.name == args.worker)
        res = measure(e, args.small, args.device, args.precision, args.iters, args.warmup)
        print('RESULT ' + json.dumps(res)); return

    keep = [s.strip().lower() for s in args.models.split(',') if s.strip()]
    entries = [e for e in ENTRIES if not keep or e.name.lower() in keep or e.label.lower() in keep]
    if keep and not entries: sys.exit(f'--models {args.models!r} matches none of: {", ".join(e.name for e in ENTRIES)}')
    precisions = [p.strip() for p in args.precisions.split(',') if p.strip()] or (['fp32', 'bf16'] if cuda else ['fp32'])
    rows = []
    for e in entries:
        res = {}
        for p in precisions:
            print(f'[{e.name} {p}] ...', file=sys.stderr, flush=True)
            res[p] = run_worker(e, args, p)
            if 'skip' in res[p]:
                print(f'[{e.name} {p}] skipped: {res[p]["skip"]}', file=sys.stderr, flush=True)
                if 'not registered' in res[p]['skip']:
                    for q in precisions: res[q] = res[p]
                    break
        rows.append((e, res))
    if cuda: desc = f'Device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}.'
    else: desc = f'Device: CPU ({os.cpu_count()} cores visible, load average {os.getloadavg()[0]:.1f}), torch {torch.__version__}, {torch.get_num_threads()} threads.'
    print(fmt_table(rows, precisions, desc + (' Small sizes (--small).' if args.small else ' Real training sizes.'), args.small))


if __name__ == '__main__':
    main()
