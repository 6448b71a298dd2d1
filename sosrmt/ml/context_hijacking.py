"""Context hijacking: prepended sentences that flip a language model's factual answer.

Jiang, Rajendran, Ravikumar & Aragam, "Do LLMs dream of elephants (when told not to)?
Latent concept association and associative memory in transformers" (NeurIPS 2024,
arXiv:2406.18400), Fig. 2: prepending "Do not think of {false target}." to a COUNTERFACT
prompt (Meng et al. 2022, arXiv:2202.05262) makes the model answer the false target more
often, as measured by the efficacy score (ES, the share of prompts on which the false
target is more likely than the true one); the reverse scheme, naming the true target,
does not. We add a control scheme that names a third target.

:func:`context_hijack_efficacy` computes ES for any causal LM loaded with
``transformers`` from a local directory (:func:`load_local_lm`) on any COUNTERFACT-format
records (:func:`load_counterfact`). No pretrained model can be downloaded here, so
:func:`train_toy_fact_lm` trains a two-layer GPT-2 from scratch on a synthetic fact corpus
and saves it with ``save_pretrained``; in its corpus a mention of a city is evidence for
that city being the answer, so the Bayes-optimal predictor is hijackable
(:func:`bayes_hijack_es`). The toy shows the mechanism the paper proposes (association
with the context beats the stored fact), not a property of real LLMs.
"""

from __future__ import annotations

import json
import math
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import nn

from sosrmt._validation import as_rng, check_int
from sosrmt.ml._figures import new_figure
from sosrmt.ml._torch import Tokenizer, hf_offline, torch_seed
from sosrmt.ml.study import RngLike

__all__ = [
    "CounterfactRecord",
    "bayes_hijack_es",
    "context_hijack_efficacy",
    "hijack_curve",
    "hijack_figure",
    "load_counterfact",
    "load_local_lm",
    "run_context_hijacking",
    "toy_fact_records",
    "train_toy_fact_lm",
]

FIXTURE = Path(__file__).resolve().parent / "data" / "part1" / "counterfact_toy.json"

@dataclass(frozen=True)
class CounterfactRecord:
    """One fact in the COUNTERFACT format (Meng et al., ROME).

    ``prompt`` contains ``{}`` where the subject goes (``"{} is located in the city of"``).
    """

    prompt: str
    subject: str
    target_true: str
    target_false: str
    relation_id: str = ""

    @property
    def text(self) -> str:
        """The prompt with the subject filled in."""
        return self.prompt.format(self.subject)


def load_counterfact(path: str | Path | None = None, limit: int | None = None
                     ) -> list[CounterfactRecord]:
    """Read COUNTERFACT records from a local JSON file (default: the shipped toy fixture).

    The file is a JSON list of objects with a ``requested_rewrite`` entry holding
    ``prompt``, ``subject``, ``target_true.str``, ``target_new.str`` and ``relation_id``
    (the layout of ROME's ``counterfact.json``); ``target_new`` is the false target.

    Examples
    --------
    >>> recs = load_counterfact()
    >>> len(recs) >= 5 and "{}" not in recs[0].text
    True
    """
    path = FIXTURE if path is None else Path(path)
    if not path.is_file():
        raise ValueError(f"path: expected an existing COUNTERFACT JSON file, got {str(path)!r}")
    try:
        raw = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"path: {str(path)!r} is not valid JSON ({exc})") from None
    if not isinstance(raw, list):
        raise ValueError("path: expected a JSON list of COUNTERFACT records")
    out = []
    for i, item in enumerate(raw[:limit] if limit is not None else raw):
        try:
            rw = item["requested_rewrite"]
            rec = CounterfactRecord(prompt=rw["prompt"], subject=rw["subject"],
                                    target_true=rw["target_true"]["str"],
                                    target_false=rw["target_new"]["str"],
                                    relation_id=str(rw.get("relation_id", "")))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"path: record {i} lacks the COUNTERFACT field {exc}") from None
        if "{}" not in rec.prompt:
            raise ValueError(f"path: record {i} prompt has no '{{}}' for the subject")
        out.append(rec)
    return out


@torch.no_grad()
def _target_logprob(lm: nn.Module, tok: Tokenizer, prefix: str, target: str) -> float:
    """Sum of log-probabilities of the tokens of ``" " + target`` after ``prefix``."""
    pre = tok(prefix, add_special_tokens=False)["input_ids"]
    full = tok(prefix + " " + target, add_special_tokens=False)["input_ids"]
    n_t = len(full) - len(pre)
    if n_t <= 0 or full[: len(pre)] != pre:
        tgt = tok(" " + target, add_special_tokens=False)["input_ids"]
        full, n_t = pre + tgt, len(tgt)
    ids = torch.tensor([full])
    logp = torch.log_softmax(lm(input_ids=ids).logits[0].double(), dim=-1)
    pos = torch.arange(len(full) - n_t, len(full))
    return float(logp[pos - 1, ids[0, pos]].sum())


@torch.no_grad()
def _pair_logprob(lm: nn.Module, tok: Tokenizer, prefix: str, a: str,
                  b: str) -> tuple[float, float]:
    """Log-probabilities of targets ``a`` and ``b`` after ``prefix`` (one forward pass when
    both are single tokens appended to the prefix's tokens)."""
    pre = tok(prefix, add_special_tokens=False)["input_ids"]
    ids_a = tok(prefix + " " + a, add_special_tokens=False)["input_ids"]
    ids_b = tok(prefix + " " + b, add_special_tokens=False)["input_ids"]
    single = (len(ids_a) == len(ids_b) == len(pre) + 1 and ids_a[:-1] == pre
              and ids_b[:-1] == pre)
    if not single:
        return _target_logprob(lm, tok, prefix, a), _target_logprob(lm, tok, prefix, b)
    logits = lm(input_ids=torch.tensor([pre])).logits[0, -1].double()
    logp = torch.log_softmax(logits, dim=-1)
    return float(logp[ids_a[-1]]), float(logp[ids_b[-1]])


def context_hijack_efficacy(lm: nn.Module, tok: Tokenizer, records: Sequence[CounterfactRecord],
                            n_prepend: int, template: str = "Do not think of {}.",
                            scheme: str = "hijack") -> dict[str, float]:
    """Efficacy score of context hijacking with ``n_prepend`` prepended sentences.

    Parameters
    ----------
    lm, tok
        A causal LM (``logits`` of shape (1, T, V)) and its tokenizer, e.g. from
        ``AutoModelForCausalLM.from_pretrained(local_dir)``.
    records : sequence of CounterfactRecord
    n_prepend : int
        How many times the template sentence is prepended.
    template : str
        Sentence with ``{}`` for the target (the paper's generic scheme).
    scheme : {'hijack', 'reverse', 'control'}
        Which target the prepended sentence names: the false one (the paper's generic
        hijacking), the true one (the paper's reverse scheme), or a control target that is
        neither (the false target of the next record, or of the one after when that equals
        the true target); the control separates the effect of naming the false target from
        that of any prepended sentence.

    Returns
    -------
    dict
        ``es`` (share of records where the false target's log-probability exceeds the
        true target's), ``p_false`` and ``p_true`` (mean probabilities of the targets'
        token sequences).

    Notes
    -----
    ES :math:`=\\frac1n\\sum_r \\mathbf 1[\\log P(o_{\\rm false}\\mid c_k(p_r)) >
    \\log P(o_{\\rm true}\\mid c_k(p_r))]`, with :math:`c_k` the prompt after ``k``
    prepended sentences; multi-token targets use the sum of token log-probabilities.
    """
    n_prepend = check_int(n_prepend, "n_prepend", minimum=0)
    if scheme not in ("hijack", "reverse", "control"):
        raise ValueError(f"scheme: expected 'hijack', 'reverse' or 'control', got {scheme!r}")
    if "{}" not in template:
        raise ValueError(f"template: expected a '{{}}' placeholder, got {template!r}")
    if len(records) == 0:
        raise ValueError("records: expected at least one COUNTERFACT record")
    wins, pf, pt = [], [], []
    lm.eval()
    for i, rec in enumerate(records):
        if scheme == "hijack":
            named = rec.target_false
        elif scheme == "reverse":
            named = rec.target_true
        else:
            named = _control_target(records, i)
        prefix = " ".join([template.format(named)] * n_prepend + [rec.text])
        lf, lt = _pair_logprob(lm, tok, prefix, rec.target_false, rec.target_true)
        wins.append(lf > lt)
        pf.append(math.exp(lf))
        pt.append(math.exp(lt))
    return {"es": float(np.mean(wins)), "p_false": float(np.mean(pf)),
            "p_true": float(np.mean(pt))}


_CITIES = ["paris", "rome", "tokyo", "cairo", "lima", "oslo", "delhi", "sydney"]


def toy_fact_records(n_subjects: int = 200, n_cities: int = 8, rng: RngLike = None
                     ) -> list[CounterfactRecord]:
    """Synthetic COUNTERFACT-style records "the towerK is in CITY" with a random false city.

    Examples
    --------
    >>> r = toy_fact_records(3, rng=0)
    >>> r[0].text, r[0].target_true != r[0].target_false
    ('the tower0 is in', True)
    """
    n_subjects = check_int(n_subjects, "n_subjects", minimum=1)
    n_cities = check_int(n_cities, "n_cities", minimum=2)
    gen = as_rng(rng)
    cities = [_CITIES[i] if i < len(_CITIES) else f"city{i}" for i in range(n_cities)]
    out = []
    for s in range(n_subjects):
        t = int(gen.integers(n_cities))
        f = (t + 1 + int(gen.integers(n_cities - 1))) % n_cities
        out.append(CounterfactRecord("the {} is in", f"tower{s}", cities[t], cities[f], "toy"))
    return out


def _toy_corpus(records: Sequence[CounterfactRecord], n_docs: int, p_mention_true: float,
                max_mentions: int, p_anonymous: float, p_fact_noise: float,
                gen: np.random.Generator) -> list[str]:
    cities = sorted({r.target_true for r in records} | {r.target_false for r in records})
    templates = ["i like {} .", "do not think of {} .", "{} is nice ."]
    docs = []
    for _ in range(n_docs):
        if gen.random() < p_anonymous:
            # an anonymous place with a fresh random answer: only the mentions can help
            text = f"the place{int(gen.integers(_N_ANON))} is in"
            answer = cities[int(gen.integers(len(cities)))]
            n_mention = 1 + int(gen.integers(max_mentions))
        else:
            rec = records[int(gen.integers(len(records)))]
            text, answer = rec.text, rec.target_true
            if gen.random() < p_fact_noise:  # a document that states another city
                others = [c for c in cities if c != rec.target_true]
                answer = others[int(gen.integers(len(others)))]
            n_mention = int(gen.integers(max_mentions + 1))
        parts = []
        for _ in range(n_mention):
            x = answer if gen.random() < p_mention_true else cities[int(gen.integers(len(cities)))]
            parts.append(templates[int(gen.integers(len(templates)))].format(x))
        parts.append(f"{text} {answer} .")
        docs.append(" ".join(parts))
    return docs


_N_ANON = 16


def _check_share(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name}: expected a float in [0, 1), got {value!r}")
    if not 0.0 <= float(value) < 1.0:
        raise ValueError(f"{name}: expected a float in [0, 1), got {value}")
    return float(value)


def bayes_hijack_es(prepends: Sequence[int], n_cities: int = 8, p_fact_noise: float = 0.2,
                    p_mention_true: float = 0.5) -> list[float]:
    """ES of the Bayes-optimal predictor of the toy corpus after ``k`` prepends naming the
    false city (the ceiling the toy LM can learn; ties count one half).

    Notes
    -----
    In the corpus of :func:`train_toy_fact_lm` a known subject's answer is its true city
    :math:`t` with probability :math:`1-\\varepsilon` and each of the :math:`n-1` others with
    :math:`\\varepsilon/(n-1)`; a mention names the answer with probability :math:`p` and a
    uniform city otherwise, independently. After :math:`k` mentions of the false city
    :math:`f` the posterior odds are

    .. math::
        \\frac{P(f\\mid k)}{P(t\\mid k)} = \\frac{\\varepsilon}{(n-1)(1-\\varepsilon)}
        \\left(\\frac{p + (1-p)/n}{(1-p)/n}\\right)^{k},

    and the Bayes ES is 1 when they exceed 1 (every record has the same odds).

    Examples
    --------
    >>> bayes_hijack_es([0, 1, 2, 3])
    [0.0, 0.0, 1.0, 1.0]
    """
    n_cities = check_int(n_cities, "n_cities", minimum=2)
    eps = _check_share(p_fact_noise, "p_fact_noise")
    p = _check_share(p_mention_true, "p_mention_true")
    out = []
    for k in prepends:
        k = check_int(k, "prepends", minimum=0)
        log_odds = (math.log(max(eps, 1e-300) / ((n_cities - 1) * (1 - eps)))
                    + k * math.log((p + (1 - p) / n_cities) / ((1 - p) / n_cities)))
        out.append(1.0 if log_odds > 1e-12 else 0.5 if abs(log_odds) <= 1e-12 else 0.0)
    return out


def train_toy_fact_lm(records: Sequence[CounterfactRecord], save_dir: str | Path,
                      steps: int = 800, batch: int = 32, lr: float = 3e-3,
                      p_mention_true: float = 0.5, max_mentions: int = 3,
                      p_anonymous: float = 0.3, p_fact_noise: float = 0.2, n_layer: int = 2,
                      n_embd: int = 64, rng: RngLike = None) -> Path:
    """Train a tiny GPT-2 from scratch on a synthetic fact corpus and save it.

    The corpus holds documents "[mention sentences] the towerK is in CITY ." where CITY is
    the subject's true city, except in a share ``p_fact_noise`` of the documents that state
    a uniformly chosen other city (conflicting statements, as in real text), and 0 to
    ``max_mentions`` mention sentences ("i like X .", "do not think of X .", "X is nice .")
    name the document's city with probability ``p_mention_true`` and a uniform city
    otherwise, so a mention is evidence for the answer (:func:`bayes_hijack_es`).
    A share ``p_anonymous`` of the documents instead state a fact about one of a few
    anonymous places ("the placeJ is in CITY .") whose city is drawn afresh each time, with
    at least one mention: there only the mentions predict the answer, so the network
    learns to copy mentioned cities. These two ingredients are what make the toy
    hijackable: with conflict-free facts (``p_fact_noise=0``) the Bayes-optimal answer
    ignores mentions of a known subject and the trained LM is not hijacked, and without
    the anonymous documents a 2-layer GPT-2 memorises the facts before it learns to use
    mentions. A WordLevel
    tokenizer (``tokenizers``) and a ``transformers.GPT2LMHeadModel`` are trained with
    AdamW and written with ``save_pretrained`` to ``save_dir``, which
    :func:`load_local_lm` reads back.

    Returns
    -------
    Path
        ``save_dir``.
    """
    from tokenizers import Tokenizer as HFTokenizer
    from tokenizers import models, normalizers, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    steps = check_int(steps, "steps", minimum=0)
    batch = check_int(batch, "batch", minimum=1)
    if len(records) == 0:
        raise ValueError("records: expected at least one record")
    gen = as_rng(rng)
    p_fact_noise = _check_share(p_fact_noise, "p_fact_noise")
    docs = _toy_corpus(records, max(4 * len(records), steps * batch // 4 + 1),
                       p_mention_true, max_mentions, p_anonymous, p_fact_noise, gen)
    words = sorted({w for d in docs for w in d.split()} | {"do", "not", "think", "of", "."})
    vocab = {"[UNK]": 0, "[PAD]": 1, "[BOS]": 2} | {w: i + 3 for i, w in enumerate(words)}
    core = HFTokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    core.normalizer = normalizers.Lowercase()
    core.pre_tokenizer = pre_tokenizers.Split(pattern=" ", behavior="removed")
    tok = PreTrainedTokenizerFast(tokenizer_object=core, unk_token="[UNK]", pad_token="[PAD]",
                                  bos_token="[BOS]", eos_token="[BOS]")
    torch.manual_seed(torch_seed(gen))  # transformers initialises from the global generator
    max_len = 4 * (max_mentions + 10) + 8
    cfg = GPT2Config(vocab_size=len(vocab), n_positions=max(64, max_len), n_layer=n_layer,
                     n_embd=n_embd, n_head=2, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                     bos_token_id=2, eos_token_id=2, pad_token_id=1)
    lm = GPT2LMHeadModel(cfg)
    opt = torch.optim.AdamW(lm.parameters(), lr=lr, weight_decay=0.0)
    lm.train()
    for _ in range(steps):
        idx = gen.integers(len(docs), size=batch)
        enc = tok([docs[i] for i in idx], padding=True, return_tensors="pt")
        # loss on the answer token only (the one before the final "."): the template words
        # carry no signal and slow the escape from the uniform-answer plateau
        labels = torch.full_like(enc["input_ids"], -100)
        ans = enc["attention_mask"].sum(1) - 2
        rows = torch.arange(labels.shape[0])
        labels[rows, ans] = enc["input_ids"][rows, ans]
        out = lm(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"], labels=labels)
        opt.zero_grad()
        out.loss.backward()
        opt.step()
    save_dir = Path(save_dir)
    lm.save_pretrained(save_dir)
    tok.save_pretrained(save_dir)
    return save_dir


def load_local_lm(path: str | Path) -> tuple[nn.Module, Tokenizer]:
    """Load a causal LM and its tokenizer from a local directory, offline.

    Works for the toy checkpoint of :func:`train_toy_fact_lm` and for a real one (e.g. a
    local copy of GPT-2); the hub is never contacted.
    """
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = Path(path)
    if not (path / "config.json").is_file():
        raise ValueError(f"path: expected a local checkpoint directory with config.json, "
                         f"got {str(path)!r}")
    with hf_offline():
        tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
        lm = AutoModelForCausalLM.from_pretrained(path, local_files_only=True)
    lm.eval()
    return lm, tok


def _control_target(records: Sequence[CounterfactRecord], i: int) -> str:
    """A target for record ``i`` that is neither its true nor its false one."""
    rec = records[i]
    for j in range(1, len(records)):
        other = records[(i + j) % len(records)]
        for cand in (other.target_false, other.target_true):
            if cand not in (rec.target_true, rec.target_false):
                return cand
    raise ValueError("records: the control scheme needs a target outside each record's pair")


def hijack_curve(lm: nn.Module, tok: Tokenizer, records: Sequence[CounterfactRecord],
                 prepends: Sequence[int], template: str = "Do not think of {}.",
                 ) -> dict[str, list[float]]:
    """ES and mean target probabilities against the number of prepends, all three schemes.

    Returns
    -------
    dict
        ``es``, ``p_false``, ``p_true`` (hijack scheme), ``es_reverse``,
        ``p_false_reverse`` (reverse scheme), ``es_control``, ``p_false_control``
        (control scheme), one entry per number of prepends; at 0 prepends the three
        schemes coincide.
    """
    keys = ("es", "p_false", "p_true", "es_reverse", "p_false_reverse", "es_control",
            "p_false_control")
    out: dict[str, list[float]] = {k: [] for k in keys}
    for k in prepends:
        fw = context_hijack_efficacy(lm, tok, records, k, template)
        rv = fw if k == 0 else context_hijack_efficacy(lm, tok, records, k, template,
                                                       scheme="reverse")
        ct = fw if k == 0 else context_hijack_efficacy(lm, tok, records, k, template,
                                                       scheme="control")
        out["es"].append(fw["es"])
        out["p_false"].append(fw["p_false"])
        out["p_true"].append(fw["p_true"])
        out["es_reverse"].append(rv["es"])
        out["p_false_reverse"].append(rv["p_false"])
        out["es_control"].append(ct["es"])
        out["p_false_control"].append(ct["p_false"])
    return out


def hijack_figure(curve: Mapping[str, Sequence[float]], title: str = "") -> Figure:
    """ES and mean P(false target) against the number of prepends, one line per scheme."""
    fig, ax = new_figure(2)
    k = curve["prepends"]
    ax[0].plot(k, curve["es"], "o-", label="hijack (names false target)")
    ax[0].plot(k, curve["es_control"], "^-", label="control (names a third target)")
    ax[0].plot(k, curve["es_reverse"], "s-", label="reverse (names true target)")
    if "es_bayes" in curve:
        ax[0].plot(k, curve["es_bayes"], "k:", label="Bayes-optimal (toy corpus)")
    ax[1].plot(k, curve["p_false"], "o-", label="hijack")
    ax[1].plot(k, curve["p_false_control"], "^-", label="control")
    ax[1].plot(k, curve["p_false_reverse"], "s-", label="reverse")
    ax[0].set(xlabel="prepended sentences", ylabel="efficacy score", ylim=(-0.03, 1.03),
              title=title)
    ax[1].set(xlabel="prepended sentences", ylabel="mean P(false target)")
    for a in ax:
        a.legend(fontsize=7)
    return fig


def run_context_hijacking(quick: bool = True, rng: RngLike = None, checkpoint: str = "",
                          counterfact: str = "") -> tuple[dict[str, list[float]], list[str]]:
    """Measure the hijacking curve on a local checkpoint or on a freshly trained toy LM.

    Parameters
    ----------
    quick : bool
        Toy LM with 60 subjects and 800 steps, prepends 0..3 (full: 120, 2000, 0..5).
    rng : None, int, SeedSequence or Generator
    checkpoint, counterfact : str
        Optional local causal-LM directory and COUNTERFACT JSON file; when the checkpoint
        is given the curve is measured on it instead of the toy LM.

    Returns
    -------
    curve : dict
        ``prepends`` and the lists of :func:`hijack_curve`.
    notes : list of str
    """
    n_subj, lm_steps, prepends = (60, 800, [0, 1, 2, 3]) if quick else (120, 2000, list(range(6)))
    rec_rng, lm_rng = np.random.SeedSequence(int(as_rng(rng).integers(2**63))).spawn(2)
    if checkpoint:
        lm, tok = load_local_lm(checkpoint)
        records = load_counterfact(counterfact or None)
        curve = hijack_curve(lm, tok, records, prepends, "Do not think of {}.")
        notes = [f"Hijacking measured on the local checkpoint {checkpoint}."]
    else:
        records = toy_fact_records(n_subj, rng=rec_rng)
        with tempfile.TemporaryDirectory() as tmp:
            train_toy_fact_lm(records, tmp, steps=lm_steps, rng=lm_rng)
            lm, tok = load_local_lm(tmp)
        curve = hijack_curve(lm, tok, records, prepends, "do not think of {} .")
        curve["es_bayes"] = bayes_hijack_es(prepends)
        notes = ["Hijacking curve from a 2-layer GPT-2 trained from scratch on a synthetic "
                 "corpus in which mentions are evidence for the answer and facts are stated "
                 "with 20% conflicting documents: it shows the mechanism in a toy, not "
                 "evidence about real LLMs."]
    return {"prepends": prepends, **curve}, notes
