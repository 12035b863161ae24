"""The man pages and completions cannot drift from the code: every command, option, configuration key, environment
variable, journal field and exit code the code has is in its page, and the page names nothing the code lacks.

The command part of telemetryd(8) is generated from the binary (`--experimental-dump-help`, scripts/gen-man); the
prose around it and telemetry.conf(5) are written by hand, so these tests compare them with the code in both
directions. A failure names what to add to the page (man/*.scd) or what to remove from it.
"""
from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess

import pytest

from conftest import ROOT

MAN = ROOT / "man"
SOURCES = ROOT / "Sources"
COLLECTOR_BIN = pathlib.Path(os.environ.get("TELEMETRY_COLLECTOR_BIN")
                             or ROOT / "Collector/.build/debug/telemetry-collector")
# Built into every swift-argument-parser tool, never in --experimental-dump-help: pages may name them.
PARSER_BUILTINS = {"--generate-completion-script", "--experimental-dump-help"}

pytestmark = pytest.mark.skipif(shutil.which("scdoc") is None, reason="scdoc is not installed (scripts/install-deps --deb)")


def dump_help(binary) -> dict:
    return json.loads(subprocess.run([str(binary), "--experimental-dump-help"], capture_output=True, text=True,
                                     check=True).stdout)["command"]


def filled_page(binary, source: pathlib.Path, tmp_path) -> str:
    """The page's scdoc text with the generated command part filled in (what `make man` renders)."""
    out = tmp_path / (source.stem + ".filled.scd")
    subprocess.run([str(ROOT / "scripts/gen-man"), "--binary", str(binary), str(source), "-o", str(out),
                    "--scd-only"], check=True)
    return out.read_text()


def section(page: str, title: str) -> str:
    """The text of one `# TITLE` section of an scdoc page."""
    m = re.search(rf"^# {re.escape(title)}\n(.*?)(?=^# |\Z)", page, re.S | re.M)
    assert m, f"the page has no '# {title}' section"
    return m.group(1)


def subcommands(cmd: dict) -> set[str]:
    return {s["commandName"] for s in cmd.get("subcommands", []) if s["commandName"] != "help"}


def option_names(cmd: dict) -> set[str]:
    names: set[str] = set()
    for c in [cmd, *cmd.get("subcommands", [])]:
        for a in c.get("arguments", []):
            if a["kind"] in ("option", "flag") and a.get("shouldDisplay", True):
                names |= {("-" if n["kind"] == "short" else "--") + n["name"] for n in a.get("names", [])}
    return names


def page_text(page: str) -> str:
    """The page without its ';' comment lines and scdoc escapes."""
    return "\n".join(line for line in page.splitlines() if not line.startswith(";")).replace("\\", "")


def check_commands_and_options(tool: str, cmd: dict, page: str) -> None:
    text = page_text(page)
    in_code = subcommands(cmd)
    # "*telemetryd show*", "*telemetryd show* [..." and prose like "*telemetryd disable*": a word after the tool's
    # name, in bold, is a command.
    in_page = set(re.findall(rf"\*{re.escape(tool)} ([a-z][a-z-]*)", text))
    assert in_code - in_page == set(), f"commands missing from {tool}'s page: {sorted(in_code - in_page)}"
    assert in_page - in_code == set(), f"{tool}'s page names commands the code lacks: {sorted(in_page - in_code)}"
    opts_code = option_names(cmd)
    opts_page = set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])", text))
    opts_page = {o for o in opts_page if o.startswith("--") or f"*{o}*" in text}
    assert opts_code - opts_page == set(), f"options missing from {tool}'s page: {sorted(opts_code - opts_page)}"
    extra = opts_page - opts_code - PARSER_BUILTINS
    assert extra == set(), f"{tool}'s page names options the code lacks: {sorted(extra)}"


# ---------------------------------------------------------------------------------------------------- telemetryd

def test_telemetryd_page_has_every_command_and_option(binary, tmp_path):
    page = filled_page(binary, MAN / "telemetryd.8.scd", tmp_path)
    check_commands_and_options("telemetryd", dump_help(binary), page)


def test_drift_check_notices_a_command_the_page_lacks(binary, tmp_path):
    """The check itself: a command added to the code but absent from the page fails it."""
    cmd = dump_help(binary)
    cmd["subcommands"].append({"commandName": "frobnicate", "arguments": []})
    page = filled_page(binary, MAN / "telemetryd.8.scd", tmp_path)
    with pytest.raises(AssertionError, match="frobnicate"):
        check_commands_and_options("telemetryd", cmd, page)
    with pytest.raises(AssertionError, match="--no-such-option"):
        check_commands_and_options("telemetryd", dump_help(binary), page + "\n*--no-such-option*\n")


def code_config_keys() -> dict[str, set[str]]:
    """The key table of the code: ConfigSchema.table, one `Row("Section", "Key", parser, at: path)` a key."""
    src = (SOURCES / "TelemetryCore/Config/ConfigSchema.swift").read_text()
    m = re.search(r"static let table\b[^=]*=.*?keys:\s*\[(.*?)\n\s*\]\)", src, re.S)
    assert m, "ConfigSchema.swift: no `static let table = ConfigTable(…, keys: [...])` of rows; update this test"
    out: dict[str, set[str]] = {}
    for sec, key in re.findall(r'\bRow\(\s*"(\w+)"\s*,\s*"(\w+)"', m.group(1)):
        out.setdefault(sec, set()).add(key)
    assert out, "ConfigSchema.table parsed empty"
    return out


def page_config_keys(page: str) -> dict[str, set[str]]:
    """`## [Section]` headings, each followed by `*Key=*` entries at the start of a line."""
    out: dict[str, set[str]] = {}
    current = None
    for line in section(page, "OPTIONS").splitlines():
        if m := re.match(r"^## \[(\w+)\]", line):
            current = m.group(1)
            out.setdefault(current, set())
        elif m := re.match(r"^\*(\w+)=\*", line):
            assert current, f"*{m.group(1)}=* comes before any ## [Section] heading"
            out[current].add(m.group(1))
    return out


def test_telemetry_conf_page_has_every_key_and_no_other():
    code = code_config_keys()
    page = page_config_keys((MAN / "telemetry.conf.5.scd").read_text())
    missing = sorted(f"[{s}] {k}=" for s in code for k in code[s] - page.get(s, set()))
    extra = sorted(f"[{s}] {k}=" for s in page for k in page[s] - code.get(s, set()))
    assert not missing, f"keys of the code missing from man/telemetry.conf.5.scd: {missing}"
    assert not extra, f"man/telemetry.conf.5.scd documents keys the code lacks: {extra}"


def test_default_config_file_lists_every_key():
    """etc/telemetry.conf, the installed conffile, shows every key (commented out, with its default)."""
    code = code_config_keys()
    text = (ROOT / "etc/telemetry.conf").read_text()
    found: dict[str, set[str]] = {}
    current = None
    for line in text.splitlines():
        if m := re.match(r"^\[(\w+)\]", line):
            current = m.group(1)
        elif current and (m := re.match(r"^#?(\w+)=", line)):
            found.setdefault(current, set()).add(m.group(1))
    missing = sorted(f"[{s}] {k}=" for s in code for k in code[s] - found.get(s, set()))
    assert not missing, f"etc/telemetry.conf lacks: {missing}"


def code_environment() -> set[str]:
    names: set[str] = set()
    for f in SOURCES.rglob("*.swift"):
        src = f.read_text()
        names |= {a or b for a, b in re.findall(r'environment\["(\w+)"\]|getenv\("(\w+)"\)', src)}
        # Variable names kept in lists or constants: the opt-out and debug switches, the proxy variables.
        names |= set(re.findall(r'"(TELEMETRYD_\w+|DO_NOT_TRACK|[a-z]+_proxy|[A-Z]+_PROXY)"', src))
    return names


def test_telemetryd_page_has_every_environment_variable():
    page = (MAN / "telemetryd.8.scd").read_text()
    in_page = set(re.findall(r"\*\$(\w+)\*", section(page, "ENVIRONMENT")))
    code = code_environment()
    assert code - in_page == set(), f"variables the code reads, missing from ENVIRONMENT: {sorted(code - in_page)}"
    assert in_page - code == set(), f"ENVIRONMENT names variables the code never reads: {sorted(in_page - code)}"


def test_telemetryd_page_has_every_journal_field():
    page = (MAN / "telemetryd.8.scd").read_text()
    in_page = set(re.findall(r"^\*(TELEMETRY_\w+)\*$", section(page, "JOURNAL FIELDS"), re.M))
    code: set[str] = set()
    for f in SOURCES.rglob("*.swift"):
        code |= set(re.findall(r'"(TELEMETRY_[A-Z0-9_]*[A-Z0-9])"', f.read_text()))
    assert code - in_page == set(), f"journal fields missing from JOURNAL FIELDS: {sorted(code - in_page)}"
    assert in_page - code == set(), f"JOURNAL FIELDS names fields the code never sets: {sorted(in_page - code)}"


def test_telemetryd_page_has_every_exit_status(binary):
    page = (MAN / "telemetryd.8.scd").read_text()
    in_page = {int(n) for n in re.findall(r"^\*(\d+)\*$", section(page, "EXIT STATUS"), re.M)}
    src = (SOURCES / "CommandLineSupport/CommandEntry.swift").read_text()
    code = {int(n) for n in re.findall(r"\bcode(?::|\s*=)\s*(\d+)\b", src)}
    assert code and code == in_page, f"exit codes in the code {sorted(code)}, in the page {sorted(in_page)}"
    # And the binary agrees on the usage case.
    assert subprocess.run([str(binary), "--no-such-option"], capture_output=True).returncode == 2


def test_pages_render_with_scdoc(binary, tmp_path):
    for src, extra in ((MAN / "telemetryd.8.scd", ["--binary", str(binary)]), (MAN / "telemetry.conf.5.scd", [])):
        out = tmp_path / src.stem
        subprocess.run([str(ROOT / "scripts/gen-man"), *extra, str(src), "-o", str(out)], check=True)
        roff = out.read_text()
        assert roff.startswith(".\\\" Generated by scdoc") and ".SH NAME" in roff and ".SH SEE ALSO" in roff


def test_completion_scripts_know_every_command(binary):
    cmd = dump_help(binary)
    for shell in ("bash", "zsh", "fish"):
        script = subprocess.run([str(binary), "--generate-completion-script", shell], capture_output=True,
                                text=True, check=True).stdout
        missing = [c for c in subcommands(cmd) if c not in script]
        assert not missing, f"{shell} completion lacks {missing}"
    # bash accepts it
    script = subprocess.run([str(binary), "--generate-completion-script", "bash"], capture_output=True,
                            text=True, check=True).stdout
    assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0


def test_completion_scripts_offer_forget_and_disable_forget(binary):
    """The packages generate the completions from the binary: `forget` and `disable --forget` are in all three, and
    `--type` offers only the scheduled types (a forget report is `forget`'s alone)."""
    # fish names a long option without its dashes, for the command it belongs to.
    flag = {"bash": "--forget", "zsh": "--forget", "fish": """"telemetryd disable" forget' -l 'forget'"""}
    for shell in ("bash", "zsh", "fish"):
        script = subprocess.run([str(binary), "--generate-completion-script", shell], capture_output=True,
                                text=True, check=True).stdout
        assert "forget" in script and flag[shell] in script, f"{shell} completion lacks forget / disable --forget"
    help_json = dump_help(binary)
    [send] = [s for s in help_json["subcommands"] if s["commandName"] == "send"]
    [type_arg] = [a for a in send["arguments"] if any(n["name"] == "type" for n in a.get("names", []))]
    assert type_arg.get("allValues") == ["keepalive", "diagnostics"]


# ---------------------------------------------------------------------------------------------- the collector

@pytest.mark.skipif(not COLLECTOR_BIN.exists(), reason=f"no collector binary at {COLLECTOR_BIN}")
def test_collector_page_has_every_command_and_option(tmp_path):
    page = filled_page(COLLECTOR_BIN, MAN / "telemetry-collector.8.scd", tmp_path)
    check_commands_and_options("telemetry-collector", dump_help(COLLECTOR_BIN), page)


COLLECTOR_SCHEMA = ROOT / "Collector/Sources/CollectorConfiguration/CollectorConfigSchema.swift"


@pytest.mark.skipif(not COLLECTOR_SCHEMA.exists(), reason=f"no {COLLECTOR_SCHEMA.relative_to(ROOT)}")
def test_collector_page_has_every_config_key_and_no_other():
    src = COLLECTOR_SCHEMA.read_text()
    m = re.search(r"static let table\b[^=]*=.*?keys:\s*\[(.*?)\n\s*\]\)", src, re.S)
    assert m, "CollectorConfigSchema.swift: no `static let table = ConfigTable(…, keys: [...])` of rows; update this test"
    code = set(re.findall(r'\bRow\(\s*section\s*,\s*"(\w+)"', m.group(1)))
    assert code, "CollectorConfigSchema.table parsed empty"
    text = section((MAN / "telemetry-collector.8.scd").read_text(), "CONFIGURATION")
    page = set(re.findall(r"^\*(\w+)=\*|\*(\w+)=\*", text, re.M))
    page = {a or b for a, b in page}
    assert code - page == set(), f"collector keys missing from man/telemetry-collector.8.scd: {sorted(code - page)}"
    assert page - code == set(), f"man/telemetry-collector.8.scd documents keys the code lacks: {sorted(page - code)}"
