"""
Latent concept association in a one-layer transformer
=====================================================

Jiang, Rajendran, Ravikumar & Aragam (NeurIPS 2024) model context hijacking with a latent
concept association task: a one-layer transformer must output a latent target token from
context tokens that are close to it in Hamming distance. A trained value matrix, acting as
an associative memory, beats the identity, most at short contexts.
:mod:`sosrmt.ml.concept_association` trains both (the hijacking pipeline, which trains a
small GPT-2, is off here). See :doc:`/ml/concept_association`.
"""

import torch

from sosrmt.ml.concept_association import run_concept_association

torch.set_num_threads(1)

res = run_concept_association(quick=True, seed=0, hijack=False)
m = res.metrics
for L, tr, ident, bayes in zip(m["context_lengths"], m["acc_trained_value"],
                               m["acc_identity_value"], m["acc_bayes"], strict=True):
    print(f"L = {L:>2}: accuracy trained W_V {tr:.3f}, W_V = I {ident:.3f}, Bayes {bayes:.3f}")
# the claim: the trained value matrix beats the identity at short contexts
assert all(tr > ident + 0.05 for tr, ident in
           zip(m["acc_trained_value"][:2], m["acc_identity_value"][:2], strict=True))
res.show()
