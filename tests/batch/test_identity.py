"""Item hashes and shards: stable across processes, machines and Python versions."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import Counter

import attrs
import pytest

import camb
from camb.batch._identity import Shard, hash_matches, item_hash, parse_shard, shard_of
from camb.batch._input import BatchItem

BASE = BatchItem("a", "Hello there.", 147320, "en-us")


def test_hash_is_sha256_of_the_documented_canonical_json() -> None:
    item = attrs.evolve(
        BASE,
        text="  Grüße \t an  alle\n",
        format="mp3",
        voice_settings=camb.VoiceSettings(speaking_rate=1.0),
    )
    canonical = (
        '{"format":"mp3","language":"en-us","text":"Grüße an alle","v":"camb-batch-item/2",'
        '"voice_id":147320,"voice_settings":{"speaking_rate":1.0}}'
    )
    assert item_hash(item) == hashlib.sha256(canonical.encode()).hexdigest()


def test_texts_sent_as_the_same_requests_have_one_identity() -> None:
    """Issue 20.13: whitespace `speak()` strips or collapses before sending asks for nothing
    new; whitespace it keeps (a paragraph break) does."""
    same = [" Hello there.", "Hello there.  ", "Hello   there.", "Hello\tthere.\n"]
    assert {item_hash(attrs.evolve(BASE, text=text)) for text in same} == {item_hash(BASE)}
    assert item_hash(attrs.evolve(BASE, text="Hello.\n\nThere.")) != item_hash(
        attrs.evolve(BASE, text="Hello. There.")
    )


def test_a_hash_of_the_first_identity_still_matches() -> None:
    """A folder made before the identity followed the sent text is not paid for again."""
    item = attrs.evolve(BASE, text="Grüße ", format="mp3")
    first = (
        '{"format":"mp3","language":"en-us","text":"Grüße ","v":"camb-batch-item/1",'
        '"voice_id":147320}'
    )
    assert hash_matches(hashlib.sha256(first.encode()).hexdigest(), item)
    assert not hash_matches(hashlib.sha256(first.encode()).hexdigest(), BASE)


def test_hash_ignores_id_and_line_but_not_what_is_synthesised() -> None:
    assert item_hash(BASE) == item_hash(attrs.evolve(BASE, id="other", line=99))
    changes = [
        {"text": "Hello there!"},
        {"voice_id": 1},
        {"language": "en-gb"},
        {"format": "flac"},
        {"speech_model": "mars-pro"},
        {"user_instructions": "whisper"},
        {"sample_rate": 16000},
        {"apply_enhancement": False},
        {"enhance_named_entities_pronunciation": True},
        {"paragraph_pause": 0.5},
        {"voice_settings": camb.VoiceSettings(speaking_rate=1.1)},
        {"inference_options": camb.InferenceOptions(temperature=0.7)},
    ]
    hashes = {item_hash(attrs.evolve(BASE, **change)) for change in changes}
    assert len(hashes) == len(changes)
    assert item_hash(BASE) not in hashes


def test_empty_options_hash_like_none() -> None:
    assert item_hash(attrs.evolve(BASE, voice_settings=camb.VoiceSettings())) == item_hash(BASE)


def test_shards_split_ids_disjointly_and_evenly() -> None:
    ids = [f"item-{n}" for n in range(20_000)]
    shards = Counter(shard_of(i, 8) for i in ids)
    assert set(shards) == set(range(8))
    assert all(abs(count - 2500) < 150 for count in shards.values()), shards
    owners = [[k for k in range(8) if Shard(k, 8).contains(i)] for i in ids[:500]]
    assert all(len(o) == 1 for o in owners)
    assert {shard_of(i, 1) for i in ids} == {0}


def test_shards_do_not_depend_on_the_process_hash_seed() -> None:
    code = (
        "from camb.batch._identity import shard_of; "
        "print([shard_of(f'id{n}', 7) for n in range(50)])"
    )
    outputs = set()
    for seed in ("0", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        outputs.add(
            subprocess.run(
                [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
            ).stdout
        )
    assert len(outputs) == 1
    assert outputs.pop().strip() == str([shard_of(f"id{n}", 7) for n in range(50)])


def test_shard_of_known_values() -> None:
    # Golden values: if these change, items move between the machines of a sharded job.
    ids = ("a", "b", "chapter-001", "é")
    assert [shard_of(i, 8) for i in ids] == [2, 2, 3, 3]
    assert [shard_of(i, 1000) for i in ids] == [250, 946, 75, 51]
    with pytest.raises(camb.InvalidInputError):
        shard_of("a", 0)


@pytest.mark.parametrize(
    ("text", "index", "count"), [("0/8", 0, 8), ("7/8", 7, 8), (" 2 / 3 ", 2, 3), ("0/1", 0, 1)]
)
def test_parse_shard(text: str, index: int, count: int) -> None:
    shard = parse_shard(text)
    assert shard == Shard(index, count)
    assert str(shard) == f"{index}/{count}"
    assert shard.label == f"{index}-of-{count}"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("8/8", "counts from 0"),
        ("1/0", "N must be"),
        ("a/b", "K/N"),
        ("3", "K/N"),
        ("-1/4", "K/N"),
        ("", "K/N"),
    ],
)
def test_parse_shard_refuses(text: str, rule: str) -> None:
    with pytest.raises(camb.InvalidInputError, match=rule) as caught:
        parse_shard(text)
    assert caught.value.param == "shard"
