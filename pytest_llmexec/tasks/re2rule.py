"""RE2-Bench's scoring rule, ported to behave exactly as the published validators do.

Written from reading RE2-Bench's ``scripts/validators`` (``partial_compare``,
``deserialize``, ``validate_prediction_per_case``, ``detect_false_negative``;
its reply parser is `re2parse`), so
that re-scoring the published predictions gives the published ``rs`` and
``partial_rs``. The rule has surprises that are kept on purpose: it is
type-strict (``5.0`` is not ``5``, ``True`` is not ``1``), a longer list or an
extra dict key scores 0, and strings that look like sets, dicts or numpy dumps
are read before comparing.

This file is standard library only and self-contained: the rule calls
``eval`` on strings, which must never happen in the pytest process. In the
pytest process (`MODE` ``"parent"``) an ``eval`` is answered by
``ast.literal_eval`` when the text is a literal (the same value ``eval``
gives) and otherwise raises `NeedsChild`; the caller then sends this file's
source with the row to the sandboxed child (`child_program`), where `MODE` is
``"child"`` and ``eval`` runs as in the original, in the same scopes. The
input task's false-negative check (`false_negative`) runs only there.
"""

from __future__ import annotations

import ast
import contextlib
import json
import math
import numbers
import re
import types
from typing import Any

#: "parent": refuse any eval that is not of a literal; "child": eval as the original does
MODE = "parent"
RESULT_MARK = "\x00re2-result:"
#: how replay hands over a prediction already parsed by RE2-Bench (results/summary/*.jsonl)
PARSED_KEY = "re2bench_parsed_prediction"


class NeedsChild(BaseException):
    """An ``eval`` of a non-literal was asked for: score this row in the sandboxed child.

    A `BaseException`, so that the rule's own ``except Exception`` cannot swallow it.
    """


def _eval(text: Any, scope_globals: dict[str, Any], scope_locals: dict[str, Any]) -> Any:
    """``eval(text)`` as called inside the original function (its globals and locals)."""
    if MODE == "child":
        return eval(text, scope_globals, scope_locals)
    if not isinstance(text, (str, bytes)):
        raise TypeError("eval() arg 1 must be a string, bytes or code object")
    try:
        return ast.literal_eval(text if isinstance(text, str) else text.decode())
    except Exception:
        raise NeedsChild(str(text)[:200]) from None


# --------------------------------------------------------------------------- partial_compare


def partial_compare(predicted_value: Any, ground_truth_value: Any, count_and_score: dict) -> None:  # type: ignore[type-arg]
    """Add the matched (``score``) and predictable (``count``) attributes of a prediction."""
    if isinstance(predicted_value, str) and looks_like_numpy_dump(predicted_value):
        predicted_value = get_numpy(predicted_value)
    if isinstance(ground_truth_value, str) and looks_like_numpy_dump(ground_truth_value):
        ground_truth_value = get_numpy(ground_truth_value)
    if isinstance(predicted_value, str) and looks_like_set(predicted_value):
        predicted_value = parse_set(predicted_value)
    if isinstance(ground_truth_value, str) and looks_like_set(ground_truth_value):
        ground_truth_value = parse_set(ground_truth_value)
    if isinstance(predicted_value, str) and looks_like_dict(predicted_value):
        predicted_value = parse_dict(predicted_value)
    if isinstance(ground_truth_value, str) and looks_like_dict(ground_truth_value):
        ground_truth_value = parse_dict(ground_truth_value)
    if isinstance(predicted_value, str) and looks_like_dump(predicted_value):
        predicted_value = parse_dump(predicted_value)
    if isinstance(ground_truth_value, str) and looks_like_dump(ground_truth_value):
        ground_truth_value = parse_dump(ground_truth_value)
    if type(predicted_value) is not type(ground_truth_value):
        if isinstance(predicted_value, str):
            try:
                value = _eval(predicted_value, globals(), locals())
                partial_compare(value, ground_truth_value, count_and_score)
                return
            except Exception:
                pass
        count_and_score["count"] += count_predictable_attributes(ground_truth_value)
        return
    if isinstance(predicted_value, str):
        score = string_similarity(predicted_value.strip(), ground_truth_value.strip())
        count_and_score["score"] += score
        count_and_score["count"] += 1
        return
    if isinstance(predicted_value, numbers.Number):
        score = 1 if predicted_value == ground_truth_value else 0
        count_and_score["score"] += score
        count_and_score["count"] += 1
        return
    if isinstance(predicted_value, bool):  # pragma: no cover - bool is a Number (as upstream)
        count_and_score["score"] += 1.0 if predicted_value == ground_truth_value else 0.0
        count_and_score["count"] += 1
        return
    if isinstance(predicted_value, list):
        total = len(ground_truth_value)
        if total == 0:
            count_and_score["count"] += 1
            count_and_score["score"] += 1.0 if not predicted_value else 0.0
            return
        old_score = count_and_score["score"]
        for i in range(min(len(predicted_value), total)):
            partial_compare(predicted_value[i], ground_truth_value[i], count_and_score)
        if len(predicted_value) == 0:
            count_and_score["count"] += total
            return
        if len(predicted_value) > len(ground_truth_value):
            count_and_score["score"] = old_score
            return
        return
    if isinstance(predicted_value, (set, frozenset)):
        total = len(ground_truth_value)
        if total == 0:
            count_and_score["count"] += 1
            count_and_score["score"] += 1.0 if not predicted_value else 0.0
            return
        matches = ground_truth_value & predicted_value
        count_and_score["count"] += total
        if len(predicted_value) > total:
            return
        count_and_score["score"] += len(matches)
        return
    if isinstance(predicted_value, dict):
        total = len(ground_truth_value)
        if total == 0:
            count_and_score["score"] += 1.0 if not predicted_value else 0.0
            count_and_score["count"] += 1
            return
        old_score = count_and_score["score"]
        for k, v in ground_truth_value.items():
            if k == "operation" and k in predicted_value:
                if isinstance(ground_truth_value[k], types.FunctionType) and isinstance(
                    predicted_value[k], types.FunctionType
                ):
                    partial_compare(
                        predicted_value[k]._source_string,
                        ground_truth_value[k]._source_string,
                        count_and_score,
                    )
                else:
                    partial_compare(str(predicted_value[k]), str(v), count_and_score)
            elif k in predicted_value:
                partial_compare(predicted_value[k], v, count_and_score)
            else:
                count_and_score["count"] += 1
        if len(predicted_value.keys()) > len(ground_truth_value.keys()):
            count_and_score["score"] = old_score
            return
        return
    if predicted_value is None and ground_truth_value is None:
        count_and_score["count"] += 1
        count_and_score["score"] += 1
        return
    count_and_score["score"] += 1.0 if predicted_value == ground_truth_value else 0.0
    count_and_score["count"] += 1
    return


def count_predictable_attributes(value: Any) -> int:
    if isinstance(value, (str, int, float, bool, types.NoneType, types.FunctionType)):
        return 1
    if isinstance(value, list):
        if value == []:
            return 1
        return sum(count_predictable_attributes(item) for item in value)
    if isinstance(value, dict):
        if value == {}:
            return 1
        return sum(count_predictable_attributes(v) for v in value.values())
    if isinstance(value, (set, frozenset)):
        if value == set() or value == frozenset():
            return 1
        return len(value)
    return 1


def string_similarity(a: str, b: str) -> float:
    return 1 if a == b else 0


def looks_like_dump(s: str) -> bool:
    if not isinstance(s, str):
        return False
    s = s.strip()
    if not (s.startswith("[") and s.endswith("]")):
        return False
    return bool(re.search(r"'[^']*'|True|False", s))


def parse_dump(s: str) -> list[Any]:
    s = s.strip()
    if not (s.startswith("[") and s.endswith("]")):
        raise ValueError("String must start with '[' and end with ']'")
    s = s[1:-1].strip()
    parsed: list[Any] = []
    for t in re.findall(r"'[^']*'|True|False", s):
        if t == "True":
            parsed.append(True)
        elif t == "False":
            parsed.append(False)
        else:
            parsed.append(t[1:-1])
    return parsed


def looks_like_numpy_dump(s: str) -> bool:
    if not isinstance(s, str):
        return False
    s = s.strip()
    if s.startswith("array("):
        return True
    if not (s.startswith("[") and s.endswith("]")):
        return False
    number_pattern = r"nan|inf|[-+]?\d*\.\d+e[+-]?\d+|[-+]?\d*\.\d+|\d+"
    return bool(re.search(number_pattern, s, re.IGNORECASE))


def get_numpy(data_str: str) -> Any:
    s = data_str.strip()
    if s.startswith("array(") and s.endswith(")"):
        s = s[len("array(") : -1].strip()
    if s.startswith("[") and s.endswith("]"):
        s = s[1:-1].strip()
    rows = re.split(r"\]\s*\[|\n", s)
    result: list[Any] = []
    for row in rows:
        tokens = re.findall(
            r"nan|[-+]?inf|[-+]?\d*\.\d+e[+-]?\d+|[-+]?\d*\.\d+|\d+", row, flags=re.IGNORECASE
        )
        parsed: list[Any] = []
        for t in tokens:
            t_lower = t.lower()
            if t_lower == "nan":
                parsed.append(None)
            elif t_lower == "inf":
                parsed.append(math.inf)
            elif t_lower == "-inf":
                parsed.append(-math.inf)
            else:
                parsed.append(float(t))
        if parsed:
            result.append(parsed)
    if len(result) == 1:
        return result[0]
    return result


def looks_like_set(s: str) -> bool:
    if not isinstance(s, str):
        return False
    s = s.strip()
    if s.startswith("set(") and s.endswith(")"):
        return True
    if s.startswith("frozenset(") and s.endswith(")"):
        return True
    if s.startswith("{") and s.endswith("}"):
        try:
            return isinstance(ast.literal_eval(s), set)
        except Exception:
            return False
    return False


def parse_set(s: str) -> Any:
    s = s.strip()
    try:
        if s.startswith("frozenset(") and s.endswith(")"):
            return _eval(s, globals(), locals())
        if s.startswith("set(") and s.endswith(")"):
            inner = s[len("set(") : -1]
            return set(ast.literal_eval(inner))
        if s.startswith("{") and s.endswith("}"):
            return _eval(s, globals(), locals())
    except Exception:
        return s
    raise ValueError(f"String does not look like a set: {s}")


def looks_like_dict(s: str) -> bool:
    if s.startswith("{") and s.endswith("}"):
        try:
            value = _eval(s, globals(), locals())
            return isinstance(value, dict)
        except Exception:
            return False
    return False


def parse_dict(s: str) -> Any:
    return _eval(s, globals(), locals())


# --------------------------------------------------------------------------- deserialize


def deserialize(value: Any) -> Any:
    """The input task's reading of a JSON value (datetimes, ``math.`` names, lists in text)."""
    if isinstance(value, str):
        import datetime
        import math  # noqa: F401
        import string  # noqa: F401

        if value.startswith("datetime."):
            return _eval(value, globals(), locals())
        iso_datetime_regex = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")
        partial_iso_datetime_regex = re.compile(r"^\d{4}-\d{2}-\d{2}$")
        if iso_datetime_regex.match(value) or partial_iso_datetime_regex.match(value):
            return datetime.datetime.fromisoformat(value)
        if "math." in value:
            try:
                return _eval(value, globals(), locals())
            except Exception:
                pass
        if value.startswith("["):
            try:
                return _eval(value, globals(), locals())
            except Exception:
                pass
        if value.startswith("{") and value.endswith("}"):
            try:
                temp_value = _eval(value, globals(), locals())
                return deserialize(temp_value)
            except Exception:
                pass
        return value
    if isinstance(value, list):
        return [deserialize(item) for item in value]
    if isinstance(value, dict):
        result: dict[Any, Any] = {}
        for k, v in value.items():
            if k == "operation":
                import builtins  # noqa: F401 - in the scope of the original's eval

                try:
                    fn = _eval(v, globals(), locals())
                    if isinstance(fn, types.FunctionType):
                        fn._source_string = v  # type: ignore[attr-defined]
                    if isinstance(fn, types.BuiltinFunctionType):
                        fn = _wrap_builtin(fn, v)
                    result[k] = fn
                except Exception:
                    result[k] = v
            else:
                result[k] = deserialize(v)
        return result
    return value


def _wrap_builtin(fn: Any, source: Any) -> Any:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    wrapper._source_string = source  # type: ignore[attr-defined]
    return wrapper


# --------------------------------------------------------------------------- one row


def ratio(predicted: Any, truth: Any) -> float:
    """``partial_rs``: the share of the truth's attributes the prediction matched."""
    count_and_score: dict[str, float] = {"score": 0.0, "count": 0}
    partial_compare(predicted, truth, count_and_score)
    return count_and_score["score"] / count_and_score["count"]


def score_output(prediction: Any, truth_output: Any) -> dict[str, Any]:
    """Output prediction: ``rs`` and ``partial_rs`` against the stored output, never a run."""
    predicted = prediction
    if isinstance(prediction, dict) and "output" in prediction:
        predicted = prediction["output"]
    partial_rs = ratio(predicted, truth_output)
    return {"rs": 1 if partial_rs == 1 else 0, "partial_rs": partial_rs}


def score_input_compare(prediction: Any, truth_input: Any, self_contained: bool) -> dict[str, Any]:
    """Input prediction before the false-negative check (deserialised where upstream does)."""
    if self_contained:
        prediction, truth_input = deserialize(prediction), deserialize(truth_input)
    partial_rs = ratio(prediction, truth_input)
    return {"rs": 1 if partial_rs == 1 else 0, "partial_rs": partial_rs}


# --------------------------------------------------------------------------- false negatives

SELF_CONTAINED = ("cruxeval", "HumanEval", "Classeval", "Avatar")


def build_call_code(function_name: str, args: dict[str, Any], kwargs: dict[str, Any]) -> str:
    """The call text upstream writes into its script (a callable argument lacks its comma)."""
    result = ""
    for k, v in args.items():
        if isinstance(v, str):
            escaped = v.encode("unicode_escape").decode("utf-8")
            if '"' in escaped:
                result += f"{k}='{escaped}',"
            else:
                result += f'{k}="{escaped}",'
        elif callable(v):
            result += f"{k}=eval('{v._source_string}')"
        else:
            result += f"{k}={v},"
    for k, v in kwargs.items():
        if isinstance(v, str):
            escaped = v.encode("unicode_escape").decode("utf-8")
            if '"' in escaped:
                result += f"{k}='{escaped}',"
            else:
                result += f'{k}="{escaped}",'
        else:
            result += f"{k}={v},"
    return f"{function_name}({result})"


class ScriptFailed(Exception):
    """The script exited with an error (upstream: ``CalledProcessError``, so not an FN)."""


def run_script(text: str, stdin: str, sources: dict[str, str]) -> str:
    """Run *text* as ``python temp.py`` would, with *stdin*; its standard output.

    ``construct_instance`` (upstream's constructor.py) loads a class from a
    file: here the file's source comes from *sources*, by the same path.
    """
    import builtins
    import io
    import sys

    def construct_instance(file_path: str, class_name: str, self_dict: dict[str, Any]) -> Any:
        module_name = file_path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        module = types.ModuleType(module_name)
        module.__file__ = file_path
        exec(compile(sources[file_path], file_path, "exec"), module.__dict__)
        cls = getattr(module, class_name)
        try:
            instance = cls.__new__(cls)
            with contextlib.suppress(TypeError):
                cls.__init__(instance, *[], **{})
        except Exception as e:
            raise RuntimeError(f"Could not construct {class_name}: {e}") from e
        for k, v in self_dict.items():
            setattr(instance, k, v)
        return instance

    def _exit(code: Any = None) -> None:
        raise SystemExit(code)

    names = dict(vars(builtins))
    names.setdefault("exit", _exit)  # site's exit()/quit(), which `python temp.py` has
    names.setdefault("quit", _exit)
    namespace: dict[str, Any] = {
        "__name__": "__main__",
        "__builtins__": names,
        "__file__": "./validators/temp.py",
        "construct_instance": construct_instance,
    }
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr = out, err
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8")), encoding="utf-8")
    try:
        exec(compile(text, "./validators/temp.py", "exec"), namespace)
    except SystemExit as exc:
        if exc.code not in (None, 0):
            raise ScriptFailed(f"exit status {exc.code!r}") from None
    except BaseException as exc:
        raise ScriptFailed(f"{type(exc).__name__}: {exc}"[:300]) from None
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved
    return out.getvalue().replace("\r\n", "\n").replace("\r", "\n")


def false_negative(row: dict[str, Any], predicted_input: Any, gt_input: Any) -> bool:
    """Upstream's ``detect_false_negative``: the predicted input gives the true output."""
    original_code = row["sources"][row["code_path"]]
    gt_output = row["truth_output"]
    if (
        row["benchmark"] == "Avatar"
        or "input" in predicted_input.keys()  # noqa: SIM118 - .keys(): upstream's AttributeError
        or "input" in gt_input.keys()  # noqa: SIM118
    ):
        has_input = "input" in predicted_input.keys()  # noqa: SIM118
        input_value = predicted_input["input"] if has_input else "\n"
        passed_input = input_value if isinstance(input_value, str) else str(input_value)
        output_value = run_script(original_code, passed_input, row["sources"]).strip()
        return str(gt_output).strip() == output_value and str(gt_input) != passed_input
    args = predicted_input.get("args", {})
    kwargs = predicted_input.get("kwargs", {})
    self_values = predicted_input.get("self", {})
    attached_code = ""
    call = build_call_code(row["function_name"], args, kwargs)
    if row["class_name"] is not None:
        attached_code += (
            f'self_instance = construct_instance("{row["code_path"]}", '
            f'"{row["class_name"]}", {self_values})\nprint(self_instance.{call})'
        )
    else:
        attached_code += f"print({call})"
    output_value = run_script(f"{original_code}\n{attached_code}", "", row["sources"]).strip()
    return bool(output_value == str(gt_output).strip() and gt_input != predicted_input)


def check_false_negative(row: dict[str, Any]) -> dict[str, Any]:
    """Upstream's check on a self-contained problem whose comparison gave ``rs`` 0."""
    predicted = deserialize(row["prediction"])
    truth = deserialize(row["truth_input"])
    try:
        return {"is_fn": false_negative(row, predicted, truth), "problem": ""}
    except ScriptFailed as exc:
        return {"is_fn": False, "problem": f"the predicted input's run failed: {exc}"}


def child_main(row: dict[str, Any]) -> None:
    """The sandboxed child's entry: score *row*, print the result after `RESULT_MARK`."""
    import sys

    global MODE
    MODE = "child"
    try:
        if row["mode"] == "fn":
            result = check_false_negative(row)
        elif row["task"] == "output":
            result = score_output(row["prediction"], row["truth_output"])
        else:
            result = score_input_compare(
                row["prediction"], row["truth_input"], row["self_contained"]
            )
    except RecursionError:
        result = {"error": "the scoring rule recursed too deeply on this prediction"}
    except Exception as exc:
        result = {"error": f"the scoring rule raised {type(exc).__name__}: {exc}"[:500]}
    sys.stdout.write("\n" + RESULT_MARK + json.dumps(result) + "\n")
