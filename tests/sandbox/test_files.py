"""The files origin behind presigned URLs."""

from __future__ import annotations

import io
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import soundfile

from camb.sandbox import Sandbox, running

from ._helpers import finished_run


def file_url(client: httpx.Client, run_id: int) -> str:
    response = client.get(f"/tts-result/{run_id}", params={"output_type": "file_url"})
    assert response.status_code == 200
    url = response.json()["output_url"]
    assert isinstance(url, str)
    return url


def test_download_needs_no_key_and_matches_raw_bytes(client: httpx.Client) -> None:
    run_id = finished_run(client)
    download = httpx.get(file_url(client, run_id))
    assert download.status_code == 200
    assert download.headers["content-type"] == "audio/flac"
    assert int(download.headers["content-length"]) == len(download.content)
    assert download.content == client.get(f"/tts-result/{run_id}").content
    assert soundfile.info(io.BytesIO(download.content)).format == "FLAC"


def test_requests_carrying_the_key_are_counted(client: httpx.Client, sandbox: Sandbox) -> None:
    url = file_url(client, finished_run(client))
    before = sandbox.stats()
    assert httpx.get(url).status_code == 200
    assert httpx.get(url, headers={"x-api-key": sandbox.api_key}).status_code == 200
    after = sandbox.stats()
    assert after["file_requests"] - before["file_requests"] == 2
    assert after["file_requests_with_api_key"] - before["file_requests_with_api_key"] == 1
    via_http = client.get("/_sandbox/stats").json()
    assert via_http["file_requests_with_api_key"] == after["file_requests_with_api_key"]


def test_expired_url_is_403() -> None:
    # Long enough that the first download lands in time on a loaded machine; the second waits
    # until the URL's own expiry has passed rather than for a fixed time.
    with (
        running(task_duration=0.0, url_expiry=3.0) as sb,
        httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client,
    ):
        url = file_url(client, finished_run(client))
        assert httpx.get(url).status_code == 200
        expires = float(parse_qs(urlsplit(url).query)["expires"][0])
        time.sleep(max(0.0, expires - time.time()) + 0.05)
        assert httpx.get(url).status_code == 403


def _with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    return parts._replace(query=urlencode(query)).geturl()


def test_tampered_urls_are_403(client: httpx.Client) -> None:
    first, second = finished_run(client), finished_run(client)
    url = file_url(client, first)
    expires = parse_qs(urlsplit(url).query)["expires"][0]
    later = str(float(expires) + 3600)
    assert httpx.get(_with_query(url, signature="0" * 64)).status_code == 403
    assert httpx.get(_with_query(url, expires=later)).status_code == 403
    other_file = url.replace(f"/files/{first}.flac", f"/files/{second}.flac")
    assert httpx.get(other_file).status_code == 403
    assert httpx.get(url.split("?")[0]).status_code == 403
    assert httpx.get(url).status_code == 200


def test_result_bytes_pads_results_and_downloads() -> None:
    target = 3 * 1024 * 1024
    with (
        running(task_duration=0.0, result_bytes=target) as sb,
        httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client,
    ):
        run_id = finished_run(client)
        raw = client.get(f"/tts-result/{run_id}").content
        download = httpx.get(file_url(client, run_id))
        assert len(raw) >= target
        assert download.content == raw
        # Still a valid FLAC file with the same speech.
        padded, rate = soundfile.read(io.BytesIO(raw), dtype="int16")
    with (
        running(task_duration=0.0) as sb,
        httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client,
    ):
        plain = client.get(f"/tts-result/{finished_run(client)}").content
        assert len(plain) < target
        unpadded, plain_rate = soundfile.read(io.BytesIO(plain), dtype="int16")
    assert (rate, padded.tolist()) == (plain_rate, unpadded.tolist())


def test_other_paths_and_methods_on_the_files_origin(sandbox: Sandbox) -> None:
    missing = httpx.get(sandbox.files_url + "/files/notes.txt")
    assert missing.status_code == 404
    assert "<Code>NoSuchKey</Code>" in missing.text
    assert httpx.get(sandbox.files_url + "/elsewhere").status_code == 404
    assert httpx.post(sandbox.files_url + "/files/1000.flac").status_code == 405
