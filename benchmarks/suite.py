"""udass speed and memory benchmark: every registered method's training step, evaluation (whole and sliding window)
and the data loader, in fp32 and bf16, with and without torch.compile and channels_last, within a time budget.

    python benchmarks/suite.py                         # CUDA: real networks and crops; CPU: the CPU networks; 240 s
    python benchmarks/suite.py --budget-s 60 --methods daformer,dacs --no-variants
    python benchmarks/suite.py --peak-tflops 989 --out outputs/bench_h100

Writes <out>/suite.json and <out>/suite.md and prints the table. The logic (cases, timing, FLOPs, MFU, tables) is
`udass.bench`, documented and tested in nbs/47_bench.ipynb. Not a test: numbers depend on the machine and its load.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from udass.bench import main

if __name__ == '__main__':
    main()
