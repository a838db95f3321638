"""Validate requests against Google's published discovery documents, the way Google's front end does.

The documents ship with google-api-python-client (``googleapiclient/discovery_cache/documents``). Every
JSON body the fake Sheets API receives is checked field by field: unknown names, wrong JSON types, values
outside an enum, and the ``oneof`` groups that the discovery format cannot express (a ``Request`` sets
exactly one kind, an ``ExtendedValue`` one value, ``UpdateCellsRequest`` one area). Messages copy Google's
(``Invalid JSON payload received. Unknown name "foo" at 'requests[0].append_cells': Cannot find field.``).
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

# Groups of fields of which at most one may be set (proto ``oneof``), by schema; "Request" needs exactly one.
ONEOFS: dict[str, tuple[str, tuple[str, ...] | None]] = {
    "Request": ("kind", None),  # None: every property belongs to the group
    "ExtendedValue": ("value", ("stringValue", "numberValue", "boolValue", "formulaValue", "errorValue")),
    "UpdateCellsRequest": ("area", ("start", "range")),
    "ColorStyle": ("kind", ("rgbColor", "themeColor")),
}
INT32 = (-(2**31), 2**31 - 1)


class PayloadError(ValueError):
    """A request Google would refuse with 400 INVALID_ARGUMENT; ``str()`` is Google's message."""


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@cache
def load(name: str = "sheets.v4") -> Discovery:
    import googleapiclient

    path = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents" / f"{name}.json"
    return Discovery(json.loads(path.read_text(encoding="utf-8")))


class Discovery:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.schemas: dict[str, dict[str, Any]] = doc["schemas"]
        self.package = {"sheets": "google.apps.sheets.v4", "drive": "google.apps.drive.v3"}.get(doc["name"], doc["name"])
        self.methods: dict[str, dict[str, Any]] = {}
        self._collect(doc.get("resources", {}), doc["name"])

    def _collect(self, resources: dict[str, Any], prefix: str) -> None:
        for rname, res in resources.items():
            for mname, method in res.get("methods", {}).items():
                self.methods[f"{prefix}.{rname}.{mname}"] = method
            self._collect(res.get("resources", {}), f"{prefix}.{rname}")

    # -- query parameters -----------------------------------------------------------------------------
    def check_query(self, method_id: str, query: dict[str, list[str]]) -> None:
        method = self.methods[method_id]
        params = {**self.doc.get("parameters", {}), **method.get("parameters", {})}
        for name, values in query.items():
            spec = params.get(name)
            if spec is None or spec.get("location") == "path":
                raise PayloadError(
                    f'Invalid JSON payload received. Unknown name "{name}": Cannot bind query parameter. '
                    f"Field '{name}' could not be found in request message."
                )
            if len(values) > 1 and not spec.get("repeated"):
                raise PayloadError(f"Invalid value at '{snake(name)}': a single value is expected, got {values}.")
            for v in values:
                if "enum" in spec and v not in spec["enum"]:
                    enum = name[0].upper() + name[1:]
                    raise PayloadError(f"Invalid value at '{snake(name)}' (type.googleapis.com/{self.package}.{enum}), \"{v}\"")
                if spec.get("type") == "boolean" and v not in ("true", "false"):
                    raise PayloadError(f"Invalid value at '{snake(name)}' (TYPE_BOOL), \"{v}\"")
                if spec.get("type") == "integer":
                    if not re.fullmatch(r"-?\d+", v):
                        raise PayloadError(f"Invalid value at '{snake(name)}' (TYPE_INT32), \"{v}\"")
                    lo, hi = spec.get("minimum"), spec.get("maximum")
                    if (lo is not None and int(v) < int(lo)) or (hi is not None and int(v) > int(hi)):
                        raise PayloadError(f"Invalid value at '{snake(name)}': {v} is out of range.")
        for name, spec in method.get("parameters", {}).items():
            if spec.get("required") and spec.get("location") == "query" and name not in query:
                raise PayloadError(f"'{name}' is required but not specified")

    # -- bodies ---------------------------------------------------------------------------------------
    def check_body(self, method_id: str, body: Any) -> None:
        ref = self.methods[method_id].get("request", {}).get("$ref")
        if ref is None:
            if body not in (None, {}, b""):
                raise PayloadError("Invalid JSON payload received. This method takes no request body.")
            return
        if not isinstance(body, dict):
            raise PayloadError(f"Invalid JSON payload received. Expected an object for {ref}.")
        self.check(ref, body)

    def check(self, schema_name: str, value: Any, path: str = "") -> None:
        self._check({"$ref": schema_name}, value, path)

    def _check(self, spec: dict[str, Any], value: Any, path: str) -> None:
        if value is None:
            return  # proto3 JSON: null means "default"
        if "$ref" in spec:
            name = spec["$ref"]
            schema = self.schemas[name]
            self._check_object(name, schema, value, path)
            return
        kind = spec.get("type")
        if kind == "any":
            return
        if kind == "object":
            if not isinstance(value, dict):
                raise self._type_error(path, "object", value)
            if "additionalProperties" in spec:
                for k, v in value.items():
                    self._check(spec["additionalProperties"], v, f"{path}[{k}]")
            elif "properties" in spec:
                self._check_object(path, spec, value, path)
            return
        if kind == "array":
            if not isinstance(value, list):
                raise self._type_error(path, "array", value)
            for i, item in enumerate(value):
                self._check(spec["items"], item, f"{path}[{i}]")
            return
        if kind == "string":
            ok = isinstance(value, str) or (spec.get("format") in ("int64", "uint64") and _is_int(value))
            if not ok:
                raise PayloadError(f"Invalid value at '{path}' (TYPE_STRING), {_show(value)}")
            if "enum" in spec and value not in spec["enum"]:
                raise PayloadError(f"Invalid value at '{path}' (type.googleapis.com/{self.package}.{_enum_name(path)}), "
                                   f"{_show(value)}")
            return
        if kind == "integer":
            if not _is_int(value) or not INT32[0] <= int(value) <= INT32[1]:
                raise PayloadError(f"Invalid value at '{path}' (TYPE_INT32), {_show(value)}")
            return
        if kind == "number":
            if isinstance(value, bool) or not (
                isinstance(value, (int, float, Decimal)) or value in ("NaN", "Infinity", "-Infinity")
            ):
                raise PayloadError(f"Invalid value at '{path}' (TYPE_DOUBLE), {_show(value)}")
            return
        if kind == "boolean":
            if not isinstance(value, bool):
                raise PayloadError(f"Invalid value at '{path}' (TYPE_BOOL), {_show(value)}")
            return
        raise PayloadError(f"Unsupported schema type {kind!r} at '{path}'")  # pragma: no cover

    def _check_object(self, name: str, schema: dict[str, Any], value: Any, path: str) -> None:
        if not isinstance(value, dict):
            raise self._type_error(path, name, value)
        props: dict[str, Any] = schema.get("properties", {})
        for key in value:
            if key not in props:
                where = f" at '{path}'" if path else ""
                raise PayloadError(f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.')
        if name in ONEOFS:
            group_name, members = ONEOFS[name]
            group = [k for k in value if value[k] is not None and (members is None or k in members)]
            if len(group) > 1:
                raise PayloadError(
                    f"Invalid JSON payload received. Oneof field '{group_name}' is already set. "
                    f"Cannot set '{snake(group[1])}'"
                )
            if name == "Request" and not group:
                raise PayloadError(f"Invalid {path or 'request'}: No request set.")
        for key, v in value.items():
            child = f"{path}.{snake(key)}" if path else snake(key)
            self._check(props[key], v, child)

    @staticmethod
    def _type_error(path: str, expected: str, value: Any) -> PayloadError:
        where = f" at '{path}'" if path else ""
        return PayloadError(f"Invalid JSON payload received. Expected {expected}{where}, got {_show(value)}.")

    # -- field masks ----------------------------------------------------------------------------------
    def check_mask(self, schema_name: str, mask: str, path: str) -> None:
        """Each path of a FieldMask (``a.b,c``) names a field of ``schema_name``; ``*`` selects all."""
        if mask is None or mask.strip() == "":
            raise PayloadError(f"Invalid {path}: At least one field must be specified in 'fields'.")
        for part in split_mask(mask):
            if part == "*":
                continue
            spec: dict[str, Any] = {"$ref": schema_name}
            for name in part.split("."):
                while "$ref" in spec or spec.get("type") == "array":
                    spec = self.schemas[spec["$ref"]] if "$ref" in spec else spec["items"]
                props = spec.get("properties", {})
                if name not in props:
                    raise PayloadError(f"Invalid {path}: Invalid field mask: '{part}' in '{mask}'.")
                spec = props[name]


def split_mask(mask: str) -> list[str]:
    """``a.b,c(d,e)`` → ``["a.b", "c.d", "c.e"]`` (parentheses and ``/`` as Google's partial responses)."""
    out: list[str] = []

    def parse(text: str, prefix: str) -> None:
        depth, start = 0, 0
        for i, ch in enumerate(text + ","):
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "," and depth == 0:
                item = text[start:i].strip().replace("/", ".")
                start = i + 1
                if not item:
                    continue
                if "(" in item:
                    head, inner = item.split("(", 1)
                    parse(inner[:-1], f"{prefix}{head}.")
                else:
                    out.append(prefix + item)

    parse(mask, "")
    return out


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, (float, Decimal)):
        return value == int(value)
    return isinstance(value, str) and re.fullmatch(r"-?\d+", value) is not None


def _enum_name(path: str) -> str:
    last = path.rsplit(".", 1)[-1].split("[")[0]
    return "".join(p.capitalize() for p in last.split("_"))


def _show(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)
