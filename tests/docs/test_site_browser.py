"""The built site, looked at in a real browser: headless Chromium (Debian's `chromium`).

The site is built strictly into a temporary folder and served on loopback. Chromium loads the
home page and, following the home page's own navigation, the API page of `Camb`, runs their
JavaScript, and hands back the DOM and a screenshot (kept in docs-screenshots/, gitignored).
Every internal link and anchor of every built page is checked against the files on disk, and
no page may load anything from another host.

Without Chromium the browser tests fail in CI (CI=true; .ci/run installs it) and are skipped,
saying so, elsewhere. The link checks need no browser and always run.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

import pytest

from ._paths import ROOT

SCREENSHOTS = ROOT / "docs-screenshots"
WINDOW = (1280, 1400)
BROWSER_TIMEOUT = 90


# --- the site and its server --------------------------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    argv = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-d", str(out)]
    done = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stdout}{done.stderr}"
    return out


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- Chromium -----------------------------------------------------------------------------


def _chromium_or_skip() -> str:
    found = shutil.which("chromium")
    if found:
        return found
    why = (
        "headless Chromium is not installed (`apt-get install -y chromium` as root); "
        "the built site was NOT looked at in a browser"
    )
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{why}. In CI, .ci/run installs it.", pytrace=False)
    pytest.skip(f"!!! {why} (CI would fail here) !!!")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Browser:
    executable = _chromium_or_skip()
    return Browser(executable, tmp_path_factory.mktemp("chromium-profile"))


class Browser:
    """One headless Chromium run per call, with a throwaway profile, reaching only loopback."""

    def __init__(self, executable: str, profile: Path) -> None:
        self.executable = executable
        self.profile = profile

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [
            self.executable,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={self.profile}",
            # Any host but loopback fails to resolve: the site must render from itself alone.
            "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
            # Lets the page's scripts run (timers included) before the DOM is taken.
            "--virtual-time-budget=5000",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            "--hide-scrollbars",
            *args,
        ]
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=BROWSER_TIMEOUT, check=False
        )
        assert done.returncode == 0, f"chromium failed ({done.returncode}): {done.stderr[-2000:]}"
        return done

    def dom(self, url: str) -> str:
        """The page's DOM after its scripts ran, serialised."""
        return self._run("--dump-dom", url).stdout

    def screenshot(self, url: str, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self._run(f"--screenshot={path}", url)
        assert path.is_file(), f"no screenshot written to {path}"
        return path


# --- reading HTML -------------------------------------------------------------------------


class _Page(HTMLParser):
    """The title, headings, ids, links and loaded resources of one HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title = ""
        self.headings: list[tuple[str, str, str]] = []  # (tag, id, text)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, str]] = []  # (href, text, class)
        self.resources: list[str] = []  # src of scripts and images, href of stylesheets etc.
        self.html_class = ""
        self._open: list[tuple[str, str, list[str]]] = []  # tags whose text we collect

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        for key in ("id", "name"):
            if attributes.get(key):
                self.ids.add(attributes[key])
        if tag == "html":
            self.html_class = attributes.get("class", "")
        if tag in ("script", "img", "iframe", "source") and attributes.get("src"):
            self.resources.append(attributes["src"])
        if tag == "link" and attributes.get("href"):
            self.resources.append(attributes["href"])
        if tag in ("title", "a", "h1", "h2", "h3", "h4"):
            self._open.append((tag, attributes.get("id", ""), []))
            if tag == "a":
                self._open[-1] = (tag, attributes.get("href", ""), [attributes.get("class", "")])

    def handle_data(self, data: str) -> None:
        for _tag, _key, parts in self._open:
            parts.append(data)

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
                _tag, key, parts = self._open.pop(index)
                if tag == "a":
                    css, *text = parts
                    self.links.append((key, " ".join("".join(text).split()), css))
                elif tag == "title":
                    self.title = " ".join("".join(parts).split())
                else:
                    self.headings.append((tag, key, " ".join("".join(parts).split())))
                break


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _nav_link(home: _Page, text: str) -> str:
    for href, link_text, css in home.links:
        if "md-nav__link" in css and link_text == text:
            return href
    raise AssertionError(f"the navigation has no link {text!r}")


# --- the browser tests --------------------------------------------------------------------


@pytest.fixture(scope="module")
def home(chromium: Browser, base_url: str) -> _Page:
    """The home page as the browser shows it."""
    return _parse(chromium.dom(base_url))


def test_the_home_page_renders(home: _Page, chromium: Browser, base_url: str) -> None:
    page = home
    assert page.title.startswith("camb")
    assert ("h1", "camb", "camb") in [
        (tag, id_, text.rstrip("¶")) for tag, id_, text in page.headings
    ]
    headings = {text.rstrip("¶") for _tag, _id, text in page.headings}
    assert {"What it does", "Where to go next"} <= headings
    # The theme's scripts ran: they mark the document and add copy buttons to code blocks.
    assert "js" in page.html_class.split()
    assert "no-js" not in page.html_class.split()
    nav = {text for _href, text, css in page.links if "md-nav__link" in css}
    assert {"Getting started", "Streaming speech", "Camb and AsyncCamb", "Benchmarks"} <= nav
    _check_screenshot(chromium.screenshot(base_url, SCREENSHOTS / "home.png"))


def test_the_camb_api_page_renders_when_reached_from_the_navigation(
    home: _Page, chromium: Browser, base_url: str
) -> None:
    url = urljoin(base_url, _nav_link(home, "Camb and AsyncCamb"))
    html = chromium.dom(url)
    page = _parse(html)
    assert page.title.startswith("Camb and AsyncCamb")
    ids = {id_ for _tag, id_, _text in page.headings}
    assert {"camb.Camb", "camb.AsyncCamb", "camb.Camb.with_options", "camb.Camb.close"} <= ids
    # The generated signature and the docstring are there.
    assert "api_key" in html
    assert "max_retries" in html
    assert "The client for Camb.ai" in html
    _check_screenshot(chromium.screenshot(url, SCREENSHOTS / "api-camb.png"))


def test_every_navigation_link_leads_to_a_page_that_loads(
    home: _Page, chromium: Browser, base_url: str
) -> None:
    targets = sorted(
        {
            urldefrag(urljoin(base_url, href))[0]
            for href, _t, css in home.links
            if "md-nav__link" in css and href
        }
    )
    assert len(targets) >= 18  # every page in mkdocs.yml's nav
    for url in targets:
        with urllib.request.urlopen(url, timeout=10) as answer:
            assert answer.status == 200, url
            page = _parse(answer.read().decode())
        assert any(tag == "h1" for tag, _id, _text in page.headings), f"{url} has no title"
    # And one of them, in the browser, follows from the page before it.
    streaming = urljoin(base_url, _nav_link(home, "Streaming speech"))
    assert _parse(chromium.dom(streaming)).title.startswith("Streaming speech")


def _check_screenshot(path: Path) -> None:
    """A PNG of the window's size that is not one flat colour."""
    import matplotlib.image
    import numpy as np

    pixels = matplotlib.image.imread(path)
    assert pixels.shape[:2] == (WINDOW[1], WINDOW[0])
    colours = np.unique(pixels.reshape(-1, pixels.shape[2]), axis=0)
    assert len(colours) > 50, f"{path} looks blank ({len(colours)} colours)"


# --- links, without a browser ------------------------------------------------------------


def _file_for(site: Path, path: str) -> Path | None:
    target = site / unquote(path).lstrip("/")
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def test_no_internal_link_or_anchor_is_broken(site: Path) -> None:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= 18
    parsed = {page: _parse(page.read_text()) for page in pages}
    broken: list[str] = []
    checked = 0
    for page, content in parsed.items():
        page_url = "/" + page.relative_to(site).as_posix()
        for href in [href for href, _text, _css in content.links] + content.resources:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href or href.startswith(("mailto:", "data:")):
                continue
            target_url, fragment = urldefrag(urljoin(page_url, href))
            target = _file_for(site, urlsplit(target_url).path)
            checked += 1
            if target is None:
                broken.append(f"{page_url}: {href} (no file)")
            elif fragment and target.suffix == ".html":
                target_page = parsed.get(target) or _parse(target.read_text())
                if unquote(fragment) not in target_page.ids:
                    broken.append(f"{page_url}: {href} (no anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken)
    assert checked > 500  # the crawl really followed the site's links


def test_no_page_loads_anything_from_another_host(site: Path) -> None:
    for page in site.rglob("*.html"):
        for resource in _parse(page.read_text()).resources:
            parts = urlsplit(resource)
            assert not parts.netloc, f"{page.relative_to(site)} loads {resource}"


def test_the_drafts_are_not_in_the_site(site: Path) -> None:
    assert (site / "benchmarks.html").is_file()
    assert (site / "img" / "bulk.png").is_file()
    assert not (site / "guides" / "pending").exists()


# --- opened from disk (file://), as mkdocs.yml promises -----------------------------------


def test_every_link_names_a_file_so_the_site_works_from_disk(site: Path) -> None:
    """From file:// a link to a folder opens a folder listing: every internal link of every
    page must name an HTML file (or another file) that is there."""
    folders: list[str] = []
    # 404.html is a server's page (its links start from the site's root): not opened from disk.
    for page in sorted(set(site.rglob("*.html")) - {site / "404.html"}):
        for href, _text, _css in _parse(page.read_text()).links:
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path:
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if target.is_dir() or not target.exists():
                folders.append(f"{page.relative_to(site)}: {href}")
    assert not folders, "links that do not name a file:\n" + "\n".join(folders[:20])


def test_the_search_index_is_there_for_a_site_opened_from_disk(site: Path) -> None:
    # A browser fetches no JSON from file://: the index must also come as a script, and the
    # worker shim must be the site's own copy (nothing from another host).
    assert (site / "search" / "search_index.js").read_text().startswith("var __index = ")
    scripts = _parse((site / "index.html").read_text()).resources
    assert "js/iframe-worker-shim.js" in scripts
    assert (site / "js" / "iframe-worker-shim.js").is_file()


def test_the_site_opened_from_disk_navigates_and_searches(site: Path, chromium: Browser) -> None:
    home_url = (site / "index.html").as_uri()
    home = _parse(chromium.dom(home_url))
    assert "js" in home.html_class.split()
    streaming = urljoin(home_url, _nav_link(home, "Streaming speech"))
    assert streaming.endswith(".html")
    assert _parse(chromium.dom(streaming)).title.startswith("Streaming speech")
    # Material runs the search given in ?q= when the page opens; its results are links.
    found = _parse(chromium.dom(f"{home_url}?q=sandbox"))
    results = [href for href, _text, css in found.links if "md-search-result__link" in css]
    assert results, "the search found nothing from file://"
    assert all(urlsplit(href).path.endswith(".html") for href in results)
