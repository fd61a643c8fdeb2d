# Part of the cookiecutter-wechat-django template: update it with cruft (`cruft update`), don't edit it here.
# Edit handlers/ (app.py), your own apps and the settings instead. 模板文件：用 cruft 更新；请改 handlers/ 和你的应用。
"""JSON request bodies, read in one place: a client's odd input is a 400 with a reason, never a 500.

    from wechat.jsonbody import BadJSON, id_field, json_object, text_field

    try:
        body = json_object(request.body)      # a dict
        code = text_field(body, "code")       # a non-empty string
    except BadJSON as exc:
        return JsonResponse({"error": str(exc)}, status=400)

Refused, each with its own reason: a body over ``MAX_BYTES``, anything but
UTF-8 JSON, a top level that is not an object, nesting deeper than
``MAX_DEPTH`` (``json.loads`` would raise RecursionError on deep input),
a key given twice, numbers longer than ``MAX_NUMBER_DIGITS`` digits (Python
refuses int strings over 4,300 digits with a ValueError), NaN and Infinity;
and, for each field read, a value that is not a string, is blank, too long,
or holds control characters or lone surrogates (``"\\ud800"`` is valid JSON
but no database or URL can take it).
"""

import json
import math
import unicodedata

MAX_BYTES = 64 * 1024
MAX_DEPTH = 20
MAX_NUMBER_DIGITS = 30
MAX_TEXT = 4096


class BadJSON(ValueError):
    """The body (or one of its fields) is refused; the message says why, for the client."""


def json_object(raw, *, max_bytes=MAX_BYTES):
    """The JSON object in ``raw`` (bytes or str) as a dict; BadJSON with the reason otherwise."""
    if len(raw) > max_bytes:
        raise BadJSON(f"the body is too large (at most {max_bytes} bytes)")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise BadJSON("the body must be JSON in UTF-8") from None
    try:
        value = json.loads(
            raw,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_parse_constant,
            object_pairs_hook=_unique_keys,
        )
    except RecursionError:
        raise BadJSON(f"the body must be JSON nested at most {MAX_DEPTH} levels deep") from None
    except BadJSON:
        raise
    except ValueError:  # json.JSONDecodeError included
        raise BadJSON("the body must be JSON") from None
    if not isinstance(value, dict):
        raise BadJSON("the body must be a JSON object")
    # Fewer brackets than the limit cannot nest deeper than it: the walk is for odd bodies only.
    if raw.count("[") + raw.count("{") > MAX_DEPTH and _depth(value) > MAX_DEPTH:
        raise BadJSON(f"the body must be JSON nested at most {MAX_DEPTH} levels deep")
    return value


def text_field(body, name, *, max_length=MAX_TEXT):
    """``body[name]``: a non-blank string of at most ``max_length`` printable characters; BadJSON otherwise."""
    value = body.get(name)
    if value is None or value == "":
        raise BadJSON(f"{name} is required (a non-empty string)")
    if not isinstance(value, str):
        raise BadJSON(f"{name} must be a string, not {_json_type(value)}")
    if not value.strip():
        raise BadJSON(f"{name} is required (a non-empty string)")
    if len(value) > max_length:
        raise BadJSON(f"{name} is too long (at most {max_length} characters)")
    if not value.isprintable() and any(unicodedata.category(char) in ("Cc", "Cs") for char in value):
        raise BadJSON(f"{name} must not contain control characters or lone surrogates")
    return value


def id_field(body, name):
    """``body[name]``: a database id (a positive integer below 2**63); BadJSON otherwise.

    ``true`` is refused although Python counts it as an int, and so are ``1.0`` and ``"1"``.
    """
    value = body.get(name)
    if value is None:
        raise BadJSON(f"{name} is required (a positive integer)")
    if isinstance(value, float):
        raise BadJSON(f"{name} must be a positive integer, not a decimal number")
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadJSON(f"{name} must be a positive integer, not {_json_type(value)}")
    if not 0 < value < 2**63:
        raise BadJSON(f"{name} must be a positive integer below 2**63")
    return value


def _parse_int(digits):
    if len(digits.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise BadJSON(f"numbers must have at most {MAX_NUMBER_DIGITS} digits")
    return int(digits)


def _parse_float(text):
    value = float(text)
    if len(text) > MAX_NUMBER_DIGITS + 10 or not math.isfinite(value):
        raise BadJSON(f"numbers must be finite, with at most {MAX_NUMBER_DIGITS} digits")
    return value


def _parse_constant(name):
    raise BadJSON(f"{name} is not JSON")


def _unique_keys(pairs):
    value = dict(pairs)
    if len(value) != len(pairs):
        raise BadJSON("a key appears twice in one JSON object")
    return value


def _depth(value):
    """How deeply lists and objects nest in a parsed value (1 for a flat object), without recursion."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in item if isinstance(child, (dict, list)))
    return deepest


def _json_type(value):
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, list):
        return "an array"
    return "an object"
