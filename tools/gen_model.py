#!/usr/bin/env python3
"""Generates src/protocol/model_data.cc from the botocore service models.

The C++ server validates and routes requests from the same service models the AWS SDKs are
generated from, so the two cannot drift. This script reads the cognito-identity and
cognito-sync models (API version 2014-06-30) with botocore's own loader and writes every shape
and operation as constexpr C++ data (see src/protocol/model.h for the types).

Output is deterministic: shapes and operations are sorted by name; structure members keep the
model's order (it is the order AWS documents them and reports their errors in).

Usage:
  python3 tools/gen_model.py            # rewrite src/protocol/model_data.cc
  python3 tools/gen_model.py --check    # exit 1 if the committed file is out of date
  python3 tools/gen_model.py --output FILE
"""

import argparse
import difflib
import pathlib
import subprocess
import sys

API_VERSION = "2014-06-30"
SERVICES = (
    # (C++ function, botocore service name)
    ("IdentityModel", "cognito-identity"),
    ("SyncModel", "cognito-sync"),
)
COMMAND = "python3 tools/gen_model.py"

TYPES = {
    "string": "kString",
    "integer": "kInteger",
    "long": "kLong",
    "boolean": "kBoolean",
    "timestamp": "kTimestamp",
    "structure": "kStructure",
    "list": "kList",
    "map": "kMap",
    "blob": "kBlob",
    "double": "kDouble",
}
LOCATIONS = {
    None: "kBody",
    "uri": "kUri",
    "querystring": "kQuery",
    "header": "kHeader",
}


def cpp_string(text):
    """A C++ string literal for `text` (plain ASCII escapes; the models are ASCII)."""
    out = ['"']
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif 0x20 <= ord(ch) < 0x7F:
            out.append(ch)
        else:
            raise SystemExit(f"non-ASCII character {ch!r} in model text {text!r}")
    out.append('"')
    return "".join(out)


def load_model(service):
    from botocore.loaders import Loader  # imported late so --help works without botocore

    return Loader().load_service_model(service, "service-2", api_version=API_VERSION)


def check_int(value, where):
    if not isinstance(value, int) or isinstance(value, bool):
        raise SystemExit(f"{where}: expected an integer, got {value!r}")
    return value


def emit_service(func, service, model):
    """C++ source for one service: its arrays inside a namespace, then the accessor."""
    ns = func[: -len("Model")].lower()
    shapes = model["shapes"]
    names = sorted(shapes)
    index = {name: i for i, name in enumerate(names)}
    lines = [f"namespace {ns} {{", ""]

    shape_rows = []
    for i, name in enumerate(names):
        shape = shapes[name]
        kind = shape["type"]
        if kind not in TYPES:
            raise SystemExit(f"{service}: shape {name} has unsupported type {kind}")
        fields = [f".name = {cpp_string(name)}", f".type = Type::{TYPES[kind]}"]
        for key in ("min", "max"):
            if key in shape:
                fields.append(f".{key} = {check_int(shape[key], f'{service} {name}.{key}')}")
        if "pattern" in shape:
            fields.append(f".pattern = {cpp_string(shape['pattern'])}")
        if "enum" in shape:
            values = ", ".join(cpp_string(v) for v in shape["enum"])
            lines.append(f"constexpr std::string_view kEnum{i}[] = {{{values}}};")
            fields.append(f".enum_values = kEnum{i}")
        if kind == "list":
            fields.append(f".member = {index[shape['member']['shape']]}")
        if kind == "map":
            fields.append(f".key = {index[shape['key']['shape']]}")
            fields.append(f".value = {index[shape['value']['shape']]}")
        if kind == "structure" and shape.get("members"):
            required = set(shape.get("required", []))
            rows = []
            for member_name, member in shape["members"].items():
                location = member.get("location")
                if location not in LOCATIONS:
                    raise SystemExit(f"{service}: {name}.{member_name} has location {location}")
                location_name = member.get("locationName", "") if location else ""
                rows.append(
                    f"    {{{cpp_string(member_name)}, {index[member['shape']]}, "
                    f"{'true' if member_name in required else 'false'}, "
                    f"Location::{LOCATIONS[location]}, {cpp_string(location_name)}}},"
                )
            unknown = required - set(shape["members"])
            if unknown:
                raise SystemExit(f"{service}: {name} requires unknown members {sorted(unknown)}")
            lines.append(f"constexpr Member kMembers{i}[] = {{")
            lines.extend(rows)
            lines.append("};")
            fields.append(f".members = kMembers{i}")
        if shape.get("sensitive"):
            fields.append(".sensitive = true")
        shape_rows.append(f"    {{{', '.join(fields)}}},  // {i}")

    lines.append("")
    lines.append("constexpr Shape kShapes[] = {")
    lines.extend(shape_rows)
    lines.append("};")
    lines.append("")

    op_rows = []
    for op_name in sorted(model["operations"]):
        op = model["operations"][op_name]
        http = op["http"]
        errors = [e["shape"] for e in op.get("errors", [])]
        error_ref = "{}"
        if errors:
            lines.append(
                f"constexpr std::string_view k{op_name}Errors[] = "
                f"{{{', '.join(cpp_string(e) for e in errors)}}};"
            )
            error_ref = f"k{op_name}Errors"
        input_index = index[op["input"]["shape"]] if "input" in op else -1
        output_index = index[op["output"]["shape"]] if "output" in op else -1
        op_rows.append(
            f"    {{{cpp_string(op_name)}, {cpp_string(http['method'])}, "
            f"{cpp_string(http['requestUri'])}, {input_index}, {output_index}, {error_ref}}},"
        )
    lines.append("")
    lines.append("constexpr Operation kOperations[] = {")
    lines.extend(op_rows)
    lines.append("};")
    lines.append("")
    lines.append(f"}}  // namespace {ns}")
    lines.append("")
    accessor = [
        f"const ServiceModel& {func}() {{",
        f"  static constexpr ServiceModel kModel{{{cpp_string(model['metadata']['endpointPrefix'])}, "
        f"{ns}::kShapes, {ns}::kOperations}};",
        "  return kModel;",
        "}",
        "",
    ]
    return lines, accessor


def generate():
    body = []
    accessors = []
    for func, service in SERVICES:
        lines, accessor = emit_service(func, service, load_model(service))
        body.extend(lines)
        accessors.extend(accessor)
    header = [
        "// GENERATED FILE - DO NOT EDIT.",
        f"// Generated by `{COMMAND}` from the botocore service models",
        f"// cognito-identity and cognito-sync, API version {API_VERSION}.",
        f"// `{COMMAND} --check` (run by tests/unit/protocol/model_test.cc) fails when it is stale.",
        "",
        '#include "protocol/model.h"',
        "",
        "namespace cogsync::model {",
        "namespace {",
        "",
    ]
    footer = ["}  // namespace", ""] + accessors + ["}  // namespace cogsync::model", ""]
    return "\n".join(header + body + footer)


def formatted(text, output, root):
    """The generated source as the repository's .clang-format lays it out (make check demands it)."""
    result = subprocess.run(
        ["clang-format", "--style=file", f"--assume-filename={output}"],
        input=text, capture_output=True, text=True, cwd=root, check=True,
    )
    return result.stdout


def main():
    root = pathlib.Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    parser.add_argument("--output", type=pathlib.Path, default=root / "src/protocol/model_data.cc")
    args = parser.parse_args()
    text = formatted(generate(), args.output, root)
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            diff = difflib.unified_diff(
                current.splitlines(), text.splitlines(), "committed", "generated", lineterm="", n=1
            )
            sys.stderr.write(f"{args.output} is out of date; run `{COMMAND}`.\n")
            for n, line in enumerate(diff):
                if n >= 40:
                    sys.stderr.write("...\n")
                    break
                sys.stderr.write(line + "\n")
            return 1
        return 0
    args.output.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
