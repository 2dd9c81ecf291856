#!/usr/bin/env python3
"""Checks answers a real node gave against docs/openapi.yaml.

Usage: validate_responses.py OPENAPI_YAML MANIFEST_JSONL

Each manifest line names one answer: {"method", "template" (the route as documented),
"status", "content_type", "body" (a file)}. For each: the status must be documented for the
route and method; a body's media type must be one the response documents; a JSON body
(application/json, application/problem+json) must have a documented schema and match it,
checked by python3-jsonschema (JSON Schema 2020-12, as OpenAPI 3.1 uses). Exit 1 on the
first kind of mismatch for each answer, all listed; then the documented responses no answer
exercised are listed for information.
"""
import json
import sys
import warnings

import jsonschema
import yaml


def resolve(spec, node):
    """Follows a local $ref ("#/components/...") to what it names."""
    while isinstance(node, dict) and "$ref" in node and node["$ref"].startswith("#/"):
        target = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def validator_for(spec, schema):
    """A 2020-12 validator whose "#/components/..." references resolve in `spec`."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        resolver = jsonschema.RefResolver.from_schema(spec)
        return jsonschema.Draft202012Validator(schema, resolver=resolver)


def main():
    spec_path, manifest_path = sys.argv[1], sys.argv[2]
    with open(spec_path, encoding="utf-8") as f:
        spec = yaml.safe_load(f)
    failures = []
    seen = set()
    with open(manifest_path, encoding="utf-8") as f:
        answers = [json.loads(line) for line in f if line.strip()]
    for a in answers:
        method, template, status = a["method"].lower(), a["template"], str(a["status"])
        where = f'{a["method"]} {template} -> {status}'
        seen.add((template, method, status))
        if template == "*":
            # Any path: a problem for 4xx/5xx (components/responses/Problem), and OPTIONS's
            # 204 with no content (info.description, "HTTP").
            operation = {"responses": {status: {"$ref": "#/components/responses/Problem"}
                                       if status >= "400" else {"description": "no content"}}}
        else:
            operation = spec.get("paths", {}).get(template, {}).get(method)
        if operation is None:
            failures.append(f"{where}: the route is not documented")
            continue
        response = operation.get("responses", {}).get(status)
        if response is None:
            failures.append(f"{where}: the status is not documented for the route")
            continue
        response = resolve(spec, response)
        with open(a["body"], "rb") as f:
            body = f.read()
        media = a["content_type"].split(";")[0].strip().lower()
        content = response.get("content", {})
        if not body and not content:
            continue
        if media not in content:
            failures.append(f"{where}: answered {media or 'no content type'}, documented "
                            f"{sorted(content) or 'no content'}")
            continue
        if media not in ("application/json", "application/problem+json"):
            continue
        schema = (content[media] or {}).get("schema")
        if schema is None:
            failures.append(f"{where}: {media} has no documented schema")
            continue
        try:
            instance = json.loads(body)
        except ValueError as e:
            failures.append(f"{where}: the body is not JSON: {e}")
            continue
        errors = sorted(validator_for(spec, schema).iter_errors(instance), key=str)
        for e in errors[:3]:
            path = "/" + "/".join(str(p) for p in e.absolute_path)
            failures.append(f"{where}: at {path}: {e.message[:300]}")
    for failure in failures:
        print("CONTRACT:", failure)
    documented = {(t, m, s) for t, ops in spec.get("paths", {}).items()
                  for m, op in ops.items() if isinstance(op, dict) and "responses" in op
                  for s in op["responses"]}
    missed = sorted(documented - seen)
    print(f"validate_responses: {len(answers)} answers checked, {len(failures)} mismatches; "
          f"{len(documented) - len(missed)} of {len(documented)} documented responses exercised")
    for t, m, s in missed:
        print(f"  not exercised: {m.upper()} {t} -> {s}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
