"""Search quality on the real bank: interview-style questions and the card that must rank high.

The bank (content/, ~400 cards) is loaded once for the module, on SQLite or PostgreSQL (the
suite's backend), through the real migrations and loader.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.cards.search import plain_text, query_terms, search_cards
from app.config import Settings
from app.content.sync import load_content
from app.db import make_engine, make_sessionmaker, migrate
from tests.conftest import ON_POSTGRES, fresh_postgres_database

BANK = Path(__file__).resolve().parents[2] / "content"

# (query as an interviewer or a candidate would type it, card id, best rank it must reach)
QUERIES = [
    ("batch norm vs layer norm", "layer-normalization", 1),
    ("what is the difference between batchnorm and layernorm", "layer-normalization", 3),
    ("quantization", "int8-int4-quantization", 3),
    ("quantization", "ptq-vs-qat", 5),
    ("greedy", "greedy-vs-beam-search", 1),
    ("beam search vs greedy decoding", "greedy-vs-beam-search", 1),
    ("what is the difference between L1 and L2 regularization", "l1-vs-l2-regularization", 1),
    ("why do we need activation functions", "why-activation-functions", 1),
    ("vanishing gradient", "vanishing-gradient", 3),
    ("how does dropout work", "dropout", 3),
    ("adamw weight decay", "adamw", 1),
    ("what is the KV cache", "kv-cache", 3),
    ("RLHF", "rlhf-ppo", 3),
    ("reinforcement learning from human feedback", "rlhf-ppo", 3),
    ("ViT", "vision-transformer", 3),
    ("LLM hallucination", "llm-hallucination", 1),
    ("how does LoRA work", "lora", 5),
    ("top-p sampling", "top-p-nucleus-sampling", 1),
    ("flash attention", "flash-attention", 1),
    ("multi-head attention", "multi-head-attention", 3),
    ("positional encoding", "positional-encodings", 1),
    ("rotary embeddings", "rotary-position-embedding", 3),
    ("why residual connections", "residual-connections", 1),
    ("xavier initialization", "xavier-initialization", 1),
    ("he init", "he-initialization", 1),
    ("precision vs recall", "precision-recall", 1),
    ("roc auc vs pr auc", "roc-auc-vs-pr-auc", 1),
    ("cross entropy loss", "cross-entropy-loss", 1),
    ("softmax numerical stability", "softmax-numerical-stability", 1),
    ("what is perplexity", "perplexity", 1),
    ("tf-idf", "tf-idf", 1),
    ("gradient clipping", "gradient-clipping", 1),
    ("lstm vs gru", "gru-vs-lstm", 1),
    ("backpropagation through time", "backpropagation-through-time", 1),
    ("mixture of experts load balancing", "moe-load-balancing", 1),
    ("speculative decoding", "speculative-decoding", 1),
    ("DPO vs PPO", "dpo-vs-ppo", 1),
    ("what is a variational autoencoder", "variational-autoencoder", 1),
    ("reparameterization trick", "reparameterization-trick", 1),
    ("GAN", "generative-adversarial-network", 3),
    ("diffusion models", "diffusion-models", 3),
    ("CLIP zero shot", "clip-zero-shot-classification", 1),
    ("early stopping", "early-stopping", 1),
    ("k-fold cross validation", "k-fold-cross-validation", 1),
    ("mixed precision training", "mixed-precision-training", 3),
    ("ZeRO FSDP", "zero-fsdp", 1),
    ("batchnorm train vs eval", "batchnorm-train-vs-eval", 3),
    ("label smoothing", "label-smoothing", 1),
    ("focal loss", "focal-loss", 1),
    ("non max suppression", "non-maximum-suppression", 3),
    ("IoU", "intersection-over-union", 1),
    ("1x1 convolution", "one-by-one-convolution", 1),
    ("depthwise separable convolution", "depthwise-separable-convolution", 1),
    ("RAG", "rag-design", 1),
    ("bi-encoder vs cross-encoder", "bi-encoder-vs-cross-encoder", 1),
    ("cosine similarity vs dot product", "cosine-vs-dot-product", 1),
    ("chinchilla scaling laws", "scaling-laws-kaplan-chinchilla", 3),
    ("how to debug a loss that is not decreasing", "loss-not-decreasing", 1),
    ("CUDA out of memory", "cuda-out-of-memory-debugging", 1),
]


@pytest.fixture(scope="module")
def bank_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    with ExitStack() as stack:
        url = f"sqlite:///{tmp_path_factory.mktemp('bank') / 'bank.db'}"
        if ON_POSTGRES:
            url = stack.enter_context(fresh_postgres_database())
        settings = Settings(_env_file=None, database_url=url, content_dir=BANK, timezone="UTC")
        engine = make_engine(settings)
        stack.callback(engine.dispose)
        migrate(settings, engine)
        session = stack.enter_context(make_sessionmaker(engine)())
        report = load_content(session, BANK)
        assert report.inserted >= 350
        yield session


def test_the_suite_is_big_enough() -> None:
    assert len(QUERIES) >= 30
    assert len({q for q, _, _ in QUERIES}) >= 30


@pytest.mark.parametrize(("query", "card_id", "rank"), QUERIES, ids=[q[0] for q in QUERIES])
def test_interview_query_finds_its_card(
    bank_session: Session, query: str, card_id: str, rank: int
) -> None:
    found = [hit.card_id for hit in search_cards(bank_session, query, limit=10)]
    assert card_id in found[:rank], f"{query!r}: {card_id} not in top {rank}: {found[:5]}"


def test_stemming_finds_other_forms(bank_session: Session) -> None:
    """'quantization' finds a card that says 'quantized' / 'quantizing' only."""
    by_noun = {h.card_id for h in search_cards(bank_session, "quantization")}
    by_verb = {h.card_id for h in search_cards(bank_session, "quantizing")}
    assert by_noun and by_noun == by_verb


def test_key_points_are_searched(bank_session: Session) -> None:
    """A key point saying 'greedy or beam search' makes its card findable by 'greedy'."""
    hits = {h.card_id for h in search_cards(bank_session, "greedy", limit=50)}
    assert "rnn-machine-translation" in hits


def test_comparison_words_do_not_empty_the_results(bank_session: Session) -> None:
    with_vs = [h.card_id for h in search_cards(bank_session, "batch norm vs layer norm")]
    without = [h.card_id for h in search_cards(bank_session, "batch norm layer norm")]
    assert with_vs and with_vs == without


def test_synonyms_are_one_term(bank_session: Session) -> None:
    assert (
        query_terms("batchnorm")[0].alternatives
        == query_terms("batch normalization")[0].alternatives
    )
    first = [h.card_id for h in search_cards(bank_session, "batchnorm")][:3]
    assert "batch-normalization" in first


def test_snippets_are_plain_text_with_the_match_marked(bank_session: Session) -> None:
    hits = search_cards(bank_session, "quantization")
    for hit in hits:
        assert "**" not in hit.snippet and "`" not in hit.snippet and "](" not in hit.snippet
    assert any("<mark>" in hit.snippet for hit in hits)


def test_plain_text_strips_markdown() -> None:
    md = "**Bold** and `code` with a [link](/cards/relu) and $x^2$\n- item | cell"
    assert plain_text(md) == "Bold and code with a link and x^2 item · cell"
