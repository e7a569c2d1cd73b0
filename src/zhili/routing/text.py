"""Text features shared by the routing models (classifier, unit predictor, duplicates).

Functions here are referenced by saved model artefacts (skops stores them by name), so their
names and behaviour are part of the artefact format: change them only with a retrain.
"""

import re
import threading

_WHITESPACE = re.compile(r"\s+")
_PUNCT_ONLY = re.compile(r"^[\W_]+$")
_jieba_lock = threading.Lock()
_jieba = None


def no_spaces(text: str) -> str:
    """The text without whitespace (character n-grams need no word boundaries)."""
    return _WHITESPACE.sub("", text or "")


def is_segmented(text: str) -> bool:
    """True for text already cut into words (as in fj2_train_segmented: "请求 拆除 违法 建筑")."""
    text = (text or "").strip()
    return len(text) > 0 and text.count(" ") / len(text) > 0.12


def _cut(text: str) -> list[str]:
    global _jieba
    if _jieba is None:
        with _jieba_lock:
            if _jieba is None:
                import logging

                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    # HMM off: twice as fast, and new-word discovery adds little beside the character n-grams.
    return _jieba.lcut(text, HMM=False)


def words(text: str) -> list[str]:
    """Words of a text: split on spaces when already segmented, otherwise cut with jieba
    (its dictionary ships inside the package). Punctuation-only tokens are dropped."""
    tokens = text.split() if is_segmented(text) else _cut(text or "")
    return [t for t in (t.strip().lower() for t in tokens) if t and not _PUNCT_ONLY.match(t)]


def word_ngrams(text: str) -> list[str]:
    """Words and adjacent word pairs ("违法 建筑" → "违法", "建筑", "违法_建筑")."""
    tokens = words(text)
    return tokens + [f"{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]
