"""Loader throughput on GTA5-sized frames.

Writes `--n` pairs of 1914x1052 PNGs in the GTA5 layout (an RGB frame that compresses about like a real one, and an
8-bit palette label of Cityscapes label ids), then times udass's training loader on them: decode, resize to 1280x720
(aspect kept: 1280x704), 512x512 random crop with cat_max_ratio 0.75, horizontal flip, collate (batch 2). Prints
samples per second in total and per worker process, with the machine's CPU count and load.

    python benchmarks/loader_throughput.py                   # 0, 1 and 2 workers, 24 frames
    python benchmarks/loader_throughput.py --workers 4 8 --n 64 --batches 60

Not a test: numbers depend on the machine and on what else runs on it.
"""
from __future__ import annotations
import argparse, os, tempfile, time
from pathlib import Path
import numpy as np
import cv2


def write_gta_like(root: Path, n: int, seed: int = 0, size=(1914, 1052)):
    "n GTA5-format pairs of `size` = (W, H): smooth scene-like RGB with noise, blocky palette labels."
    from udass.data.io import write_image, write_label
    from udass.data.image_datasets import cityscapes_palette_by_id
    W, H = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    pal = cityscapes_palette_by_id()
    for i in range(1, n + 1):
        if (root/'labels'/f'{i:05d}.png').is_file(): continue
        lab = np.full((H, W), 23, np.uint8)                                   # sky
        lab[int(H * .45):] = 7                                                # road
        lab[int(H * .45):int(H * .55), :int(W * .2)] = 8                      # sidewalk
        for _ in range(25):                                                   # buildings, cars, poles, people, ...
            c = int(rng.choice([11, 21, 26, 17, 24, 20, 19, 27, 28, 13]))
            x0, y0 = int(rng.integers(0, W - 40)), int(rng.integers(int(H * .2), H - 40))
            lab[y0:y0 + int(rng.integers(20, H // 3)), x0:x0 + int(rng.integers(10, W // 4))] = c
        img = pal[lab].astype(np.float32)
        img += 25 * np.sin(x / rng.uniform(20, 80))[..., None] * np.cos(y / rng.uniform(20, 80))[..., None]
        img += rng.normal(0, 7, img.shape).astype(np.float32)                 # sensor noise: PNGs of a few MB, as GTA5's
        img = cv2.GaussianBlur(np.clip(img, 0, 255).astype(np.uint8), (3, 3), 0)
        write_image(root/'images'/f'{i:05d}.png', img)
        write_label(root/'labels'/f'{i:05d}.png', lab, pal)


def time_loader(root: Path, workers: int, batches: int, batch_size: int = 2) -> tuple[float, float]:
    "(samples per wall-clock second, samples per CPU second of this process) over `batches` batches, after a warm-up batch."
    from udass.data.datasets import GTA5
    from udass.data.loader import InfiniteLoader
    from udass.data.transforms import train_pipeline
    ds = GTA5(root, transform=train_pipeline((1280, 720), (512, 512), cat_max_ratio=0.75, flip=0.5))
    ld = InfiniteLoader(ds, batch_size, seed=0, num_workers=workers)
    b = next(ld)
    assert b['img'].shape == (batch_size, 3, 512, 512), b['img'].shape
    t, c = time.perf_counter(), time.process_time()
    for _ in range(batches): next(ld)
    n = batches * batch_size
    return n / (time.perf_counter() - t), n / max(time.process_time() - c, 1e-9)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2], help='worker process counts to time (0: in-process)')
    p.add_argument('--n', type=int, default=24, help='number of generated 1914x1052 pairs')
    p.add_argument('--batches', type=int, default=30, help='timed batches of 2 per setting')
    p.add_argument('--root', default=None, help='folder for the generated pairs (default: a temporary folder)')
    a = p.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(a.root or tmp)/'gta_like'
        t = time.perf_counter(); write_gta_like(root, a.n)
        mb = np.mean([f.stat().st_size for f in (root/'images').glob('*.png')]) / 2**20
        mbl = np.mean([f.stat().st_size for f in (root/'labels').glob('*.png')]) / 2**10
        print(f'{a.n} pairs of 1914x1052 in {root} ({time.perf_counter() - t:.0f} s; images {mb:.1f} MB, labels {mbl:.0f} kB on average)')
        print(f'os.cpu_count() = {os.cpu_count()}, load average before timing = {os.getloadavg()}')
        print('pipeline: decode PNG pair -> resize to 1280x704 -> 512x512 crop (cat_max_ratio 0.75) -> flip -> batch of 2')
        for w in a.workers:
            sps, cpu = time_loader(root, w, a.batches)
            per = sps / max(w, 1)
            extra = f'; {cpu:.1f} samples per CPU-second (what one idle core would give)' if w == 0 else ''
            print(f'workers={w}: {sps:.1f} samples/s in total, {per:.1f} samples/s per worker process '
                  f'(load average {os.getloadavg()[0]:.1f}){extra}', flush=True)


if __name__ == '__main__':
    main()
