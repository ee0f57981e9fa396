"""Loads an MMDetection config the way mmengine (and mmcv 1.x) do, without them: the file is executed as
Python, its `_base_` files (relative to its directory, or absolute) are loaded first and merged in order, and
the file's own variables are merged over them dict by dict; a dict with `_delete_=True` replaces the base's
dict instead of being merged into it. Prints each config's merged variables as a JSON line. Test support only."""
import json
import os
import sys


def _merge(child, base):
    """child's dict over base's, mmengine's `_merge_a_into_b` rules."""
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict):
            value = dict(value)
            delete = value.pop('_delete_', False)
            if not delete and key in out:
                if not isinstance(out[key], dict):  # mmengine refuses this merge, with these words
                    raise TypeError(f'{key}={value} in child config cannot inherit from base because {key} is a '
                                    f'dict in the child config but is of type {type(out[key])} in base config. '
                                    'You may set `_delete_=True` to ignore the base config.')
                out[key] = _merge(value, out[key])
                continue
            out[key] = _strip(value)
        else:
            out[key] = value
    return out


def _strip(value):
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k != '_delete_'}
    return value


def load(path):
    path = os.path.abspath(path)
    namespace = {}
    with open(path, encoding='utf-8') as f:
        exec(compile(f.read(), path, 'exec'), namespace)
    own = {k: v for k, v in namespace.items() if not k.startswith('__') and k != '_base_'}
    bases = namespace.get('_base_', [])
    if isinstance(bases, str):
        bases = [bases]
    merged = {}
    for base in bases:
        loaded = load(os.path.join(os.path.dirname(path), base))
        clash = set(loaded) & set(merged)
        if clash:
            raise KeyError(f'duplicate keys in _base_ files: {sorted(clash)}')
        merged.update(loaded)
    return _merge(own, merged)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


if __name__ == '__main__':
    for config in sys.argv[1:]:  # one JSON line per config (one interpreter start for many)
        print(json.dumps(_jsonable(load(config))))
