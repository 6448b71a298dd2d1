"""
ASR robustness: waveform noise and noise injected between layers
================================================================

Rajendran & Zou (2022) measure how the word error rate of end-to-end recognisers degrades
under waveform noise and under Gaussian noise injected after one encoder layer.
:mod:`sosrmt.ml.asr_robustness` rebuilds the pipeline with substitutes that need no
download (espeak-ng speech, the pocketsphinx recogniser, a tiny Transformer-CTC trained in
the study). The quick run takes about a minute and needs ``espeak-ng``, so this page plots
the recorded quick run in ``docs/results/ml_quick/asr_robustness`` (made with
``python benchmarks/bench_ml_full.py asr_robustness --quick --out docs/results/ml_quick``)
and runs the study only when that record is missing. See :doc:`/ml/asr_robustness`.
"""

import json
from pathlib import Path

import torch

from sosrmt.ml import StudyResult
from sosrmt.ml.asr_robustness import asr_figure, run_asr_robustness

torch.set_num_threads(1)

try:
    here = Path(__file__).resolve().parent
except NameError:  # run interactively
    here = Path.cwd()
record = here.parents[1] / "docs" / "results" / "ml_quick" / "asr_robustness"
record = record / "asr_robustness.json"
if record.is_file():
    metrics = json.loads(record.read_text())["metrics"]
else:
    metrics = run_asr_robustness(quick=True, seed=0).metrics
tiny = metrics["tiny_ctc"]
print(f"tiny CTC test WER: {tiny['wer_init']:.2f} before training, {tiny['wer']:.3f} after")
for row in metrics["pocketsphinx"]["white"]:
    print(f"pocketsphinx, white noise at {row['level']} dB: WER {row['wer']:.2f}")
white = {row["level"]: row["wer"] for row in metrics["pocketsphinx"]["white"]}
# the facts: the tiny CTC model learns, and strong white noise ruins the recogniser
assert tiny["wer"] < 0.3 and tiny["wer"] < tiny["wer_init"]
assert white[-5] > white[35] + 0.3
StudyResult(name="asr_robustness", quick=True, seed=0, figures={"asr": asr_figure(metrics)}).show()
