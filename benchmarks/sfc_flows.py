"""How good are the flows inside finished `sfc` runs: F_g (stage 2's FlowNet) and the SFM (stage 3), against exact flows.

    python benchmarks/sfc_flows.py outputs/compare/synthetic_viper2cityscapesseq/sfc_s0 [more run folders]

For each run folder it loads `stages/accel_source.pt` (F_g is its `flownet.*`) and `stages/sfm.sfm.pt`, and prints the
end-point error, on the FlowNet's 1/4 grid in pixels of that grid, of
- F_g on the held-out source clips (the source's val split) and on the target val clips, against the exact flows
  (the synthetic data's generator writes them; the target's sit in `flow_gt/`, read by the `*_exactflow` benchmark);
- the SFM's segmentation-based flow from the true class masks of both frames, on the held-out source clips, against
  F_g (what it was trained to reproduce) and against the exact flow;
- zero flow, the reference every estimate has to beat.
The exact flows are resized to the 1/4 grid with their vectors scaled (`resize_flow`). Not a test: a measurement.
"""
from __future__ import annotations
import argparse, json, sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import udass.catalog  # registers datasets, benchmarks, models, methods
from udass.core import BENCHMARKS
from udass.data.transforms import normalize
from udass.data.video_datasets import Clip
from udass.models.flow import FlowNetS, epe, resize_flow
from udass.models.video import sfc_flow_input
from udass.methods.sfc import sfm_flow, class_masks


def load_flownets(path: Path, prefix: str = '') -> FlowNetS:
    sd = torch.load(path, map_location='cpu', weights_only=True)
    sd = {k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)}
    net = FlowNetS(base=sd['conv1.0.weight'].shape[0])
    net.load_state_dict(sd)
    return net.eval()


@torch.no_grad()
def scores(loader, fg: FlowNetS, sfm: FlowNetS | None, num_classes: int) -> dict:
    "Mean EPE per batch-weighted pixel of F_g, zero flow and (with `sfm` and frame labels) the SFM, on the 1/4 grid."
    tot, n = {}, 0
    for b in loader:
        fr = normalize(b['frames'].float())
        x_t, x_p = sfc_flow_input(fr[:, -1]), sfc_flow_input(fr[:, -2])
        f_g = fg(x_t, x_p)
        exact = resize_flow(b['flow'][:, -1].float(), f_g.shape[-2:])
        row = {'F_g vs exact': epe(f_g, exact), 'zero vs exact': epe(torch.zeros_like(exact), exact)}
        if sfm is not None and 'frame_labels' in b:
            (m_t, p_t), (m_p, p_p) = (class_masks(b['frame_labels'][:, i], num_classes) for i in (-1, -2))
            sf = sfm_flow(sfm, x_t, x_p, m_t, m_p, p_t | p_p)
            row.update({'SFM (true masks) vs F_g': epe(sf, f_g), 'SFM (true masks) vs exact': epe(sf, exact)})
        k = len(fr)
        for key, v in row.items(): tot[key] = tot.get(key, 0.0) + float(v) * k
        n += k
    return {key: round(v / n, 3) for key, v in tot.items()}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('runs', nargs='+', help='finished sfc run folders')
    args = ap.parse_args(argv)
    for run in map(Path, args.runs):
        cfg = json.loads((run/'config.json').read_text())
        bench = BENCHMARKS.get(cfg['benchmark'])
        exact = BENCHMARKS.get(f"{cfg['benchmark']}_exactflow") if f"{cfg['benchmark']}_exactflow" in BENCHMARKS else None
        fg = load_flownets(run/'stages'/'accel_source.pt', 'flownet.')
        sfm = load_flownets(run/'stages'/'sfm.sfm.pt')
        src = bench.source_val_loader(cfg['data_root'], frames=Clip((1, 0), labels=True))
        out = {'source val (held out)': scores(src, fg, sfm, bench.num_classes)}
        if exact is not None:   # the target val clips with the generator's exact flows
            for name, loader in exact.val_loaders(cfg['data_root']).items():
                out[f'target val ({name})'] = scores(loader, fg, None, bench.num_classes)
        print(json.dumps({str(run): out}, indent=1))


if __name__ == '__main__':
    main()
