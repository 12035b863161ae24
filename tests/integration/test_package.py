"""The Debian packages as an operator meets them: built by scripts/build-deb, checked by lintian, installed with apt
into a fresh Debian 12 that runs its own systemd, upgraded, removed and purged.

The packages are built from TELEMETRYD_BIN (and COLLECTOR_BIN) unless TELEMETRYD_DEB_DIR names a folder
holding them already (`make deb-test` passes the static release build's). A debug build works too: its Swift
runtime is bound read-only into the container, and lintian's tag for its RUNPATH is the only one tolerated.
Needs root, systemd-nspawn, debhelper, lintian and debootstrap (scripts/install-deps --deb); the Debian root is
cached under .build-deb/ by scripts/deb-rootfs. Only loopback traffic: the installed daemon reports to a collector
on 127.0.0.1.
"""
from __future__ import annotations

import os
import pathlib
import re
import shutil
import subprocess
from dataclasses import dataclass

import pytest

import nspawn
from collector import Collector
from conftest import BIN, ROOT
from debroot import DebianRoot, rootfs_tarball
from test_version import project_version


@dataclass(frozen=True)
class Spec:
    name: str
    binary: pathlib.Path
    tool: str               # the command the package installs
    conffile: str           # the main configuration, a conffile
    state: str              # StateDirectory=
    manpages: tuple[str, ...]
    units: tuple[str, ...]  # units the package enables and starts


COLLECTOR_BIN = pathlib.Path(os.environ.get("COLLECTOR_BIN")
                             or ROOT / "Collector/.build/debug/telemetry-collector")
TELEMETRYD = Spec("telemetryd", BIN, "telemetryd", "/etc/telemetryd/telemetry.conf", "telemetryd",
                  ("telemetryd", "telemetry.conf"), ("telemetryd.service",))
COLLECTOR = Spec("telemetry-collector", COLLECTOR_BIN, "telemetry-collector", "/etc/telemetry-collector/collector.conf",
                 "telemetry-collector", ("telemetry-collector",), ("telemetry-collector.service",))

# What the system itself changes while a package comes and goes (apt/dpkg bookkeeping, man-db's index, the
# journal, the catalog database, systemd's runtime state): not files of ours.
CHURN = ("/proc", "/sys", "/dev", "/run", "/tmp", "/var/tmp", "/var/log", "/var/cache", "/var/lib/apt",
         "/var/lib/dpkg", "/var/lib/systemd/catalog", "/var/lib/systemd/random-seed", "/var/lib/systemd/timers",
         "/var/lib/systemd/deb-systemd-helper-enabled", "/var/lib/systemd/deb-systemd-user-helper-enabled",
         "/var/lib/private", "/var/lib/systemd/journal", "/etc/ld.so.cache", "/debs")


def _missing() -> str | None:
    reason = nspawn.missing_preconditions()
    if reason:
        return reason
    for tool in ("dpkg-buildpackage", "dh", "lintian", "debootstrap", "scdoc"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (scripts/install-deps --deb)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=_missing() or "")


def _has_foreign_runpath(binary: pathlib.Path) -> bool:
    out = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True).stdout
    return bool(re.search(r"R(UN)?PATH.*[\[:](/opt|/home|/root|/work|/tmp)", out))


def _build(spec: Spec, revision: int, out: pathlib.Path) -> pathlib.Path:
    given = os.environ.get("TELEMETRYD_DEB_DIR")
    if given:
        found = sorted(pathlib.Path(given).glob(f"{spec.name}_*-{revision}_*.deb"))
        if not found:
            pytest.fail(f"TELEMETRYD_DEB_DIR={given} has no {spec.name}_*-{revision}_*.deb")
        return found[-1]
    args = [str(ROOT / "scripts/build-deb"), spec.name, "--binary", str(spec.binary), "--revision", str(revision),
            "--out", str(out)]
    if _has_foreign_runpath(spec.binary):
        args.append("--allow-unpackaged-libs")
    p = subprocess.run(args, capture_output=True, text=True, timeout=900)
    assert p.returncode == 0, f"build-deb {spec.name} failed:\n{p.stderr}"
    return pathlib.Path(p.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module", params=[TELEMETRYD, COLLECTOR], ids=lambda s: s.name)
def spec(request) -> Spec:
    s: Spec = request.param
    if not s.binary.exists():
        if s is COLLECTOR:
            pytest.skip(f"no collector binary at {s.binary} (build Collector/ or set COLLECTOR_BIN)")
        pytest.fail(f"no binary at {s.binary}: build it or set TELEMETRYD_BIN")
    return s


@pytest.fixture(scope="module")
def debs(spec, tmp_path_factory) -> tuple[pathlib.Path, pathlib.Path]:
    """Revision 1 and the 'newer build' revision 2 of the same package."""
    out = tmp_path_factory.mktemp(f"debs-{spec.name}")
    return _build(spec, 1, out), _build(spec, 2, out)


VENDOR = "acme-telemetry"


def _vendor_package(out: pathlib.Path) -> pathlib.Path:
    """A vendor's package on top of telemetryd, made as the README shows: a drop-in in /usr/lib, dpkg-deb."""
    top = out / VENDOR
    dropin = top / "usr/lib/telemetryd/telemetry.conf.d/10-acme.conf"
    dropin.parent.mkdir(parents=True)
    dropin.write_text("[Product]\nName=acme-db\nVersion=4.2.1\n")
    (top / "DEBIAN").mkdir()
    (top / "DEBIAN/control").write_text(
        f"Package: {VENDOR}\nVersion: 1.0\nArchitecture: all\nMaintainer: ACME <ops@acme.example>\n"
        "Depends: telemetryd (>= 0.1.0)\nDescription: ACME's telemetry settings for telemetryd\n"
        " Names the product in telemetryd's reports.\n")
    postinst = top / "DEBIAN/postinst"
    postinst.write_text("#!/bin/sh\nset -e\nif [ \"$1\" = configure ] && [ -d /run/systemd/system ]; then "
                        "systemctl reload-or-restart telemetryd.service || true; fi\n")
    postinst.chmod(0o755)
    deb = out / f"{VENDOR}_1.0_all.deb"
    subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(top), str(deb)], check=True,
                   capture_output=True)
    return deb


@pytest.fixture(scope="module")
def root(spec, debs, tmp_path_factory):
    debdir = tmp_path_factory.mktemp("debdir")
    for d in debs:
        shutil.copy2(d, debdir)
    if spec is TELEMETRYD:
        _vendor_package(debdir)
    binds = [f"{debdir}:/debs"] + [f"{d}" for d in nspawn.foreign_library_dirs(str(spec.binary))]
    log = tmp_path_factory.mktemp("nspawn") / "console.log"
    with DebianRoot(rootfs_tarball(), binds_ro=binds, log_path=str(log)) as c:
        c.wait_until_running(timeout=90)
        c.before = c.files(exclude=CHURN)
        yield c


@pytest.fixture(scope="module")
def loopback_collector():
    with Collector() as c:
        yield c


def _apt(c: DebianRoot, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = ["env", "DEBIAN_FRONTEND=noninteractive", "LC_ALL=C.UTF-8"]
    return c.run(*env, "apt-get", "-y", "-q", *args, check=check, timeout=300)


# ------------------------------------------------------------------------------------------------- on the host

def test_lintian_reports_no_error_or_warning(spec, debs, tmp_path):
    args = ["lintian", "--fail-on", "error,warning", "--display-info"]
    if _has_foreign_runpath(spec.binary):
        # A debug build's RUNPATH into the toolchain; the release build has none, and make deb-test checks it.
        args += ["--suppress-tags", "custom-library-search-path"]
    # lintian leaves its mldbm-elf-* scratch directories in $TMPDIR: give it one that pytest removes.
    p = subprocess.run(args + [str(debs[0])], capture_output=True, text=True, timeout=600,
                       env={**os.environ, "TMPDIR": str(tmp_path)})
    tags = [line for line in p.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert p.returncode == 0 and not tags, f"lintian on {debs[0].name}:\n{p.stdout}{p.stderr}"


def test_copyright_is_machine_readable_apache_and_names_what_the_binary_embeds(spec, debs):
    with subprocess.Popen(["dpkg-deb", "--fsys-tarfile", str(debs[0])], stdout=subprocess.PIPE) as tar:
        text = subprocess.run(["tar", "-xO", f"./usr/share/doc/{spec.name}/copyright"], stdin=tar.stdout,
                              capture_output=True, text=True, check=True).stdout
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    assert paragraphs[0].startswith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/")
    fields = [dict(re.findall(r"^([A-Za-z-]+): ?(.*)$", p, re.M)) for p in paragraphs[1:]]
    own = next(f for f in fields if f.get("Files") == "*")
    assert own["License"] == "Apache-2.0"
    # Every license a Files paragraph names by its short name has its text in a stand-alone paragraph.
    used = {f["License"] for f in fields if "Files" in f}
    given = {f["License"] for f in fields if "Files" not in f}
    assert used <= given, f"no license text for {used - given}"
    for embedded in ("BoringSSL", "zlib", "Swift runtime", "swift-nio-ssl", "CNIOExtrasZlib"):
        assert embedded in text, f"debian/copyright does not name {embedded}"
    assert (ROOT / "LICENSE").read_text().count("Apache License") >= 1


def _unpacked(deb: pathlib.Path, dest: pathlib.Path) -> pathlib.Path:
    subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
    return dest


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh is not installed (scripts/install-deps --test)")
def test_zsh_completion_loads_in_zsh(spec, debs, tmp_path):
    # As zsh finds it: compinit reads the #compdef line of every file on $fpath and binds the function to the tool.
    tree = _unpacked(debs[0], tmp_path / "deb")
    tool = spec.tool
    script = (f"fpath=({tree}/usr/share/zsh/vendor-completions $fpath); autoload -Uz compinit && "
              f"compinit -u -D -d {tmp_path}/zcompdump && print -r -- ${{_comps[{tool}]}} && "
              f"autoload +X _{tool} && functions _{tool}")
    p = subprocess.run(["zsh", "-f", "-c", script], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    bound, _, body = p.stdout.partition("\n")
    assert bound == f"_{tool}", p.stdout[:500]
    if spec is TELEMETRYD:
        assert all(f"'{cmd}:" in body for cmd in ("show", "status", "send")), body[:2000]


@pytest.mark.skipif(shutil.which("fish") is None, reason="fish is not installed (scripts/install-deps --test)")
def test_fish_completion_loads_in_fish_and_completes(spec, debs, tmp_path):
    tree = _unpacked(debs[0], tmp_path / "deb")
    tool = spec.tool
    script = tree / f"usr/share/fish/vendor_completions.d/{tool}.fish"
    # A fish of its own (no user config), the file sourced as fish autoloads it, then the completions of "TOOL ".
    p = subprocess.run(["fish", "--no-config", "-c", f"source {script}; complete -C '{tool} '"],
                       capture_output=True, text=True, timeout=60, env={**os.environ, "HOME": str(tmp_path)})
    assert p.returncode == 0 and not p.stderr, p.stderr
    words = {line.split("\t")[0] for line in p.stdout.splitlines()}
    if spec is TELEMETRYD:
        assert {"show", "status", "send", "enable", "disable"} <= words, p.stdout
    else:
        assert words, p.stdout


def test_metadata_depends_conffiles_and_systemd_scripts(spec, debs):
    deb = str(debs[0])
    # The upstream version is the project's one version (ProjectVersion.swift), revision 1.
    version = subprocess.run(["dpkg-deb", "-f", deb, "Version"], capture_output=True, text=True, check=True).stdout
    assert version.strip() == f"{project_version()}-1"
    depends = subprocess.run(["dpkg-deb", "-f", deb, "Depends"], capture_output=True, text=True, check=True).stdout
    # Computed by dpkg-shlibdeps from what the binary links, not written by hand.
    for lib in ("libc6", "libsystemd0"):
        assert re.search(rf"\b{lib} \(>= ", depends), depends
    assert re.fullmatch(rf"{re.escape(spec.name)}_[0-9][^_]*-1_[a-z0-9]+\.deb", debs[0].name)

    listing = subprocess.run(["dpkg-deb", "-c", deb], capture_output=True, text=True, check=True).stdout
    etc_files = sorted(line.split()[-1].lstrip(".") for line in listing.splitlines()
                       if line.startswith("-") and " ./etc/" in line)
    work = pathlib.Path(subprocess.run(["mktemp", "-d"], capture_output=True, text=True).stdout.strip())
    try:
        subprocess.run(["dpkg-deb", "-e", deb, str(work)], check=True)
        conffiles = sorted((work / "conffiles").read_text().split())
        assert conffiles == etc_files and spec.conffile in conffiles
        postinst = (work / "postinst").read_text()
        prerm = (work / "prerm").read_text()
        postrm = (work / "postrm").read_text()
        for unit in spec.units:
            assert f"deb-systemd-helper enable '{unit}'" in postinst
            assert "deb-systemd-invoke $_dh_action" in postinst and "_dh_action=restart" in postinst
            assert f"deb-systemd-invoke stop '{unit}'" in prerm
            assert f"deb-systemd-helper purge '{unit}'" in postrm
        assert f"rm -rf /var/lib/private/{spec.state} /var/lib/{spec.state}" in postrm
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for page in spec.manpages:
        assert re.search(rf"\./usr/share/man/man[1-8]/{re.escape(page)}\.[1-8]\.gz", listing), page
    for completion in (f"usr/share/bash-completion/completions/{spec.tool}",
                       f"usr/share/zsh/vendor-completions/_{spec.tool}",
                       f"usr/share/fish/vendor_completions.d/{spec.tool}.fish"):
        assert f"./{completion}" in listing


# ------------------------------------------------------------------------------------ installed, in a container
# These run in file order on one container per package: install, use, upgrade, remove, purge.

def test_apt_install_enables_and_starts_it(spec, debs, root, loopback_collector):
    packages = [f"/debs/{debs[0].name}"]
    if spec is TELEMETRYD:
        # The administrator's drop-in, in place before the package: reports go to the loopback collector, at once
        # (never to the default endpoint). The vendor's package on top names the product.
        dropin = root.path("/etc/telemetryd/telemetry.conf.d/10-test.conf")
        dropin.parent.mkdir(parents=True)
        dropin.write_text(f"[Telemetry]\nEndpoint={loopback_collector.url}\nRandomizedDelaySec=0\n")
        packages.append(f"/debs/{VENDOR}_1.0_all.deb")
    p = _apt(root, "install", *packages)
    assert f"Setting up {spec.name} " in p.stdout, p.stdout
    for unit in spec.units:
        assert root.run("systemctl", "is-enabled", unit).stdout.strip() == "enabled"
        root.wait_for(lambda: root.run("systemctl", "is-active", unit).stdout.strip() == "active", timeout=30,
                      what=f"{unit} active")
    if spec is TELEMETRYD:
        # The notice says what is sent and how to opt out, once, at the first install.
        assert "Opt out now:" in p.stdout and "telemetryd disable" in p.stdout and "telemetryd show" in p.stdout


def test_installed_daemon_reports_and_status_works(spec, root, loopback_collector):
    if spec is not TELEMETRYD:
        pytest.skip("telemetryd only")
    loopback_collector.wait_for(2, timeout=30)
    assert {r["type"] for r in loopback_collector.reports()} == {"keepalive", "diagnostics"}
    # The vendor's drop-in in /usr/lib is read: the reports name the product.
    assert {(r.get("product") or {}).get("name") for r in loopback_collector.reports()} == {"acme-db"}
    st = root.run("telemetryd", "status", check=True).stdout
    assert "Telemetry: enabled" in st and loopback_collector.url in st
    assert re.search(r"Last keepalive: .* sent", st), st
    # The state lives where the unit's DynamicUser=yes StateDirectory= puts it.
    assert root.path("/var/lib/private/telemetryd/instance-id").is_file()


def test_man_pages_render(spec, root):
    for page in spec.manpages:
        p = root.run("env", "MANWIDTH=120", "LC_ALL=C.UTF-8", "man", "-P", "cat", page, check=True)
        assert page.upper().split(".")[0] in p.stdout.upper() and "SEE ALSO" in p.stdout, p.stdout[:500]
    if spec is TELEMETRYD:
        page = root.run("env", "MANWIDTH=120", "man", "-P", "cat", "telemetryd", check=True).stdout
        for cmd in ("run", "show", "status", "enable", "disable", "send"):
            assert f"telemetryd {cmd}" in page
        conf = root.run("env", "MANWIDTH=120", "man", "-P", "cat", "telemetry.conf", check=True).stdout
        assert "KeepAliveIntervalSec=" in conf and "[Transport]" in conf
    # Every man: page the units name in Documentation= (systemctl status, `systemctl help`) is installed.
    for unit in spec.units:
        # systemctl quotes the entries that have parentheses: "man:telemetryd(8)".
        docs = [d.strip('"') for d in root.run("systemctl", "show", "-P", "Documentation", unit, check=True).stdout.split()]
        pages = [re.fullmatch(r"man:([\w.-]+)\((\d)\)", d) for d in docs if d.startswith("man:")]
        assert pages and all(pages), (unit, docs)
        for m in pages:
            root.run("man", "-w", m.group(2), m.group(1), check=True)


def test_catalog_is_in_the_journal_database(spec, root):
    # systemd's dpkg trigger on /usr/lib/systemd/catalog ran journalctl --update-catalog.
    out = root.run("journalctl", "--list-catalog", check=True).stdout
    if spec is TELEMETRYD:
        assert "043ec8b9c41348de9e9ec0d931ac58b9" in out and "telemetryd started" in out
    else:
        assert "4192539d08e143e9a5ca01f97dc15725" in out and "telemetry-collector is listening" in out


def test_bash_completion_loads_and_completes(spec, root):
    tool = spec.tool
    script = (f"source /usr/share/bash-completion/bash_completion; _completion_loader {tool}; "
              f"complete -p {tool} >/dev/null || exit 3; "
              f"COMP_WORDS=({tool} s); COMP_CWORD=1; COMP_LINE='{tool} s'; COMP_POINT=${{#COMP_LINE}}; "
              f"$(complete -p {tool} | sed -E 's/.* -F ([^ ]+) .*/\\1/') {tool} s {tool}; "
              'printf "%s\\n" "${COMPREPLY[@]}"')
    p = root.run("bash", "-c", script, check=True)
    words = set(p.stdout.split())
    if spec is TELEMETRYD:
        assert {"show", "status", "send"} <= words, p.stdout
    else:
        assert words, p.stdout


def test_upgrade_keeps_an_edited_config_and_restarts(spec, debs, root):
    conf = root.path(spec.conffile)
    edited = conf.read_text() + "\n# edited by the administrator\n"
    conf.write_text(edited)
    unit = spec.units[0]
    before = root.show(unit, "InvocationID")["InvocationID"]
    p = _apt(root, "install", f"/debs/{debs[1].name}")
    assert "Unpacking" in p.stdout and "-2) over (" in p.stdout, p.stdout
    assert root.run("dpkg-query", "-W", "-f=${Version}", spec.name).stdout.endswith("-2")
    assert conf.read_text() == edited
    root.wait_for(lambda: root.run("systemctl", "is-active", unit).stdout.strip() == "active", timeout=30,
                  what=f"{unit} active after the upgrade")
    assert root.show(unit, "InvocationID")["InvocationID"] != before, "the upgrade restarts the service"
    assert "Opt out now:" not in p.stdout, "the notice is for the first install only"


def test_remove_stops_it_and_purge_leaves_nothing(spec, root):
    unit = spec.units[0]
    _apt(root, "remove", spec.name)  # the vendor's package depends on it and goes too
    assert root.run("systemctl", "is-active", unit).stdout.strip() in ("inactive", "unknown")
    # Removed but not purged: the state and the configuration stay.
    assert root.path(f"/var/lib/private/{spec.state}").exists() or spec is not TELEMETRYD
    assert root.path(spec.conffile).exists()
    if spec is TELEMETRYD:
        root.path("/etc/telemetryd/telemetry.conf.d/10-test.conf").unlink()  # the administrator's own file
    _apt(root, "purge", spec.name)
    assert root.run("dpkg-query", "-W", spec.name).returncode != 0 or \
        "not-installed" in root.run("dpkg-query", "-W", "-f=${Status}", spec.name).stdout
    for gone in (f"/var/lib/{spec.state}", f"/var/lib/private/{spec.state}", os.path.dirname(spec.conffile)):
        assert not os.path.lexists(root.path(gone)), f"{gone} is still there after purge"
    left = root.files(exclude=CHURN) - root.before
    assert not left, f"purge left these behind: {sorted(left)}"
    dsh = root.path("/var/lib/systemd/deb-systemd-helper-enabled")
    assert not [p for p in dsh.rglob("*") if spec.name in p.name], "deb-systemd-helper state left behind"
