#!/usr/bin/env python3
"""The layering rule, checked without a compiler (make check).

The layers and their dependencies are declared once, by the cogsync_layer() calls in
CMakeLists.txt. This script fails when
  - a folder of src/ is not a declared layer;
  - a file in src/ (headers included) #includes a layer its layer may not see, includes a
    project file by a relative path ("../x.h", "x.h"), or includes a layer that does not exist;
  - the dependency graph in docs/architecture.md (the ```layers block) differs from the
    declarations.
The build enforces the same rule for every .cc file (each layer's include path holds only the
layers it may see, cmake/Layers.cmake); this check also covers headers that only upper layers
compile.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
LAYER_CALL = re.compile(r"^\s*cogsync_layer\(([^)]*)\)", re.M)
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def declared_layers():
    text = (ROOT / "CMakeLists.txt").read_text()
    layers = {}
    for call in LAYER_CALL.findall(text):
        name, *args = call.split()
        deps = []
        keyword = None
        for arg in args:
            if arg in ("DEPENDS", "SOURCES"):
                keyword = arg
            elif keyword == "DEPENDS":
                deps.append(arg)
        layers[name] = deps
    return layers


def visible(layers):
    seen = {}
    for name, deps in layers.items():  # declaration order is bottom-up
        out = {name}
        for dep in deps:
            out |= seen.get(dep, {dep})
        seen[name] = out
    return seen


def documented_graph():
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    if not block:
        return None
    graph = {}
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        name, _, deps = line.partition("->")
        graph[name.strip()] = [d.strip() for d in deps.split(",") if d.strip()]
    return graph


def main():
    errors = []
    layers = declared_layers()
    if not layers:
        errors.append("CMakeLists.txt declares no cogsync_layer()")
    sees = visible(layers)
    src = ROOT / "src"
    for folder in sorted(p.name for p in src.iterdir() if p.is_dir()):
        if folder not in layers:
            errors.append(f"src/{folder}/ is not a layer: add cogsync_layer({folder} DEPENDS ...)")
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".h", ".cc") or not path.is_file():
            continue
        rel = path.relative_to(ROOT)
        layer = path.relative_to(src).parts[0]
        if layer not in sees:
            continue
        for target in INCLUDE.findall(path.read_text(errors="replace")):
            top = target.split("/")[0]
            if "/" not in target or top in (".", ".."):
                errors.append(f'{rel}: #include "{target}": include project headers as '
                              f'"<layer>/<file>.h"')
            elif top not in layers:
                errors.append(f'{rel}: #include "{target}": {top} is not a layer')
            elif top not in sees[layer]:
                errors.append(f'{rel}: #include "{target}": layer {layer} may not see {top} '
                              f'(it sees {", ".join(sorted(sees[layer]))})')
    graph = documented_graph()
    if graph is None:
        errors.append("docs/architecture.md has no ```layers block")
    else:
        for name in sorted(set(graph) | set(layers)):
            doc = sorted(graph.get(name, []))
            built = sorted(layers.get(name, []))
            if name not in graph or name not in layers or doc != built:
                errors.append(f"docs/architecture.md: {name} -> {', '.join(doc) or '(none)'}; "
                              f"CMakeLists.txt: {', '.join(built) or '(none)'}"
                              + ("" if name in layers else " (no such layer)")
                              + ("" if name in graph else " (missing from the doc)"))
    for error in errors:
        print(f"check-layers: {error}", file=sys.stderr)
    if errors:
        return 1
    print(f"check-layers: {len(layers)} layers, includes and docs/architecture.md agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
