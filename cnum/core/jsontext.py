"""JSON that a user gives (an uploaded file, a mapping, a cursor), read with one French reason for every way
Python's `json.loads` fails on it — so that no reader meets a failure the others have handled."""

import json


class UnreadableJson(ValueError):
    """The text is no JSON Python can read; the message (French) says why."""


def parse(text: str | bytes):
    """`json.loads(text)`; UnreadableJson when the text is invalid (line and column), holds a number of more than
    4,300 digits (refused by Python's integer conversion), or nests lists or objects deeper than Python's stack."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableJson(f"JSON invalide (ligne {error.lineno}, colonne {error.colno}) : {error.msg}.") from None
    except ValueError:
        raise UnreadableJson("JSON invalide : un nombre y est trop long pour être lu.") from None
    except RecursionError:
        raise UnreadableJson(TOO_DEEP) from None


TOO_DEEP = "JSON invalide : trop de listes ou d'objets imbriqués les uns dans les autres pour être lu."
