"""`Camb` and `AsyncCamb` offer the same things: resources, methods, parameters, defaults, docs."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

import camb


def _public_methods(obj: object) -> dict[str, Any]:
    return {
        name: getattr(obj, name)
        for name in dir(obj)
        if not name.startswith("_") and callable(getattr(obj, name))
    }


def _resources(client: object) -> dict[str, object]:
    # `tts`, `voices` and `languages` are typed properties (help() shows them).
    names = [
        name
        for name in dir(type(client))
        if not name.startswith("_") and isinstance(getattr(type(client), name), property)
    ]
    return {
        name: value
        for name in names
        if name != "with_raw_response"
        and type(value := getattr(client, name)).__module__.startswith("camb.")
    }


@pytest.fixture
def clients() -> tuple[camb.Camb, camb.AsyncCamb]:
    return camb.Camb(api_key="k"), camb.AsyncCamb(api_key="k")


def test_both_clients_have_the_same_resources(clients: tuple[Any, Any]) -> None:
    sync, asyncio_client = clients
    assert sorted(_resources(sync)) == sorted(_resources(asyncio_client)) != []


def test_every_method_has_the_same_signature_and_docstring(clients: tuple[Any, Any]) -> None:
    sync, asyncio_client = clients
    compared = 0
    for name, resource in _resources(sync).items():
        twin = getattr(asyncio_client, name)
        methods, twins = _public_methods(resource), _public_methods(twin)
        assert sorted(methods) == sorted(twins), name
        for method_name, method in methods.items():
            other = twins[method_name]
            where = f"{name}.{method_name}"
            blocking, awaited = inspect.signature(method), inspect.signature(other)
            assert list(blocking.parameters) == list(awaited.parameters), where
            for param in blocking.parameters.values():
                twin_param = awaited.parameters[param.name]
                assert param.default == twin_param.default, f"{where}({param.name})"
                assert param.kind == twin_param.kind, f"{where}({param.name})"
            assert len(method.__doc__ or "") > 40, where
            assert method.__doc__ == other.__doc__, where
            compared += 1
    assert compared >= 12


def test_client_methods_match(clients: tuple[Any, Any]) -> None:
    sync, asyncio_client = clients
    ignore = {"close", "aclose"}
    sync_methods = set(_public_methods(sync)) - ignore
    async_methods = set(_public_methods(asyncio_client)) - ignore
    assert sync_methods == async_methods
    for name in sync_methods:
        a, b = getattr(sync, name), getattr(asyncio_client, name)
        assert list(inspect.signature(a).parameters) == list(inspect.signature(b).parameters)
    assert list(inspect.signature(camb.Camb).parameters) == list(
        inspect.signature(camb.AsyncCamb).parameters
    )


def test_async_help_reads_as_fully_as_the_sync_help(clients: tuple[Any, Any]) -> None:
    sync, asyncio_client = clients
    assert inspect.getdoc(asyncio_client.tts.wait) == inspect.getdoc(sync.tts.wait)
    assert "See `TTS" not in (inspect.getdoc(asyncio_client.tts.wait) or "")
    assert "deadline" in (inspect.getdoc(asyncio_client.tts.wait) or "")
